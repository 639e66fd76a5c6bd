/* RELU, float32: max(x, 0) as TFLM writes it (no upper clamp: +inf stays +inf, NaN stays NaN). */
#include "activations.h"

void tl_relu_f32(const tl_relu_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float v = input[i];
    output[i] = v < 0.0f ? 0.0f : v;
  }
}
