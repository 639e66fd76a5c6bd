/* SOFTMAX, float32: exp((x - max) * beta) with the C library's expf, summed in order, then one
   division per element: TFLM's float steps, so results match where both use the same libm. */
#include <math.h>

#include "softmax.h"

void tl_softmax_f32(const tl_softmax_f32_params *p, const float *input, float *output) {
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const float *x = input + (size_t)r * p->depth;
    float *y = output + (size_t)r * p->depth;
    float max = x[0];
    float sum = 0.0f;
    for (c = 1; c < p->depth; ++c) max = x[c] > max ? x[c] : max;
    for (c = 0; c < p->depth; ++c) {
      y[c] = expf((x[c] - max) * p->beta);
      sum += y[c];
    }
    for (c = 0; c < p->depth; ++c) y[c] = y[c] / sum;
  }
}
