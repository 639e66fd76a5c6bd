/* RSQRT, float32: 1 / sqrt(x) in single precision, as TFLM. */
#include <math.h>

#include "elementwise_f32.h"

void tl_rsqrt_f32(const tl_rsqrt_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    output[i] = 1.0f / sqrtf(x);
  }
}
