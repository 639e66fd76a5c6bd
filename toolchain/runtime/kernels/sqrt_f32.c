/* SQRT, float32 (negative inputs give NaN, as TFLM). */
#include <math.h>

#include "elementwise_f32.h"

void tl_sqrt_f32(const tl_sqrt_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    output[i] = sqrtf(x);
  }
}
