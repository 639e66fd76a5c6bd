/* ELU, float32: expm1(x) below zero, x otherwise (TFLM's reference). */
#include <math.h>

#include "elementwise_f32.h"

void tl_elu_f32(const tl_elu_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    output[i] = x < 0.0f ? expm1f(x) : x;
  }
}
