/* LOGISTIC, float32, with TFLM's cut-offs: 1 above 16.619..., exp(x) below -9. */
#include <math.h>

#include "activations.h"

void tl_logistic_f32(const tl_logistic_f32_params *p, const float *input, float *output) {
  const float cutoff_upper = 16.619047164916992188f;
  const float cutoff_lower = -9.0f;
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    if (x > cutoff_upper) {
      output[i] = 1.0f;
    } else if (x < cutoff_lower) {
      output[i] = expf(x);
    } else {
      output[i] = 1.0f / (1.0f + expf(-x));
    }
  }
}
