/* RELU / RELU6, float32: clamp to [lower, upper] (upper is FLT_MAX for RELU). */
#include "activations.h"

void tl_relu_f32(const tl_relu_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float v = input[i];
    output[i] = v < p->lower ? p->lower : (v > p->upper ? p->upper : v);
  }
}
