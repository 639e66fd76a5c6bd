/* L2_NORMALIZATION, float32. */
#include <math.h>

#include "l2_normalization.h"

void tl_l2_normalization_f32(const tl_l2_normalization_f32_params *p, const float *input, float *output) {
  const float epsilon = 1e-6f;
  int32_t row, c;
  for (row = 0; row < p->rows; ++row) {
    const float *x = input + row * p->depth;
    float *y = output + row * p->depth;
    float squares = 0.0f, norm;
    for (c = 0; c < p->depth; ++c) squares += x[c] * x[c];
    norm = sqrtf(squares);
    norm = norm < epsilon ? epsilon : norm;
    for (c = 0; c < p->depth; ++c) y[c] = x[c] / norm;
  }
}
