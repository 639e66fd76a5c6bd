/* HARD_SWISH, float32: x * min(6, max(0, x + 3)) / 6, in TFLM's order of operations. */
#include "hard_swish.h"

void tl_hard_swish_f32(const tl_hard_swish_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    float relu6 = x + 3.0f;
    relu6 = relu6 > 0.0f ? relu6 : 0.0f;
    relu6 = relu6 < 6.0f ? relu6 : 6.0f;
    output[i] = x * relu6 / 6.0f;
  }
}
