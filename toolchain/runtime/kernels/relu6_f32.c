/* RELU6, float32: clamp to [0, 6] in TFLM's order (upper bound tested first; NaN stays NaN). */
#include "activations.h"

void tl_relu6_f32(const tl_relu6_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float v = input[i];
    output[i] = v > 6.0f ? 6.0f : (v < 0.0f ? 0.0f : v);
  }
}
