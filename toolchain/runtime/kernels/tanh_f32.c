/* TANH, float32: the C library's tanhf, as TFLM's std::tanh. */
#include <math.h>

#include "activations.h"

void tl_tanh_f32(const tl_tanh_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) output[i] = tanhf(input[i]);
}
