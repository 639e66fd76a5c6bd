/* LEAKY_RELU, float32: x for x > 0, alpha * x otherwise. */
#include "activations.h"

void tl_leaky_relu_f32(const tl_leaky_relu_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    output[i] = x > 0.0f ? x : x * p->alpha;
  }
}
