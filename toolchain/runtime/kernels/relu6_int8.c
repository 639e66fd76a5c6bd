/* RELU6, int8: clamp to the quantized [0, 6] of the input (no rescaling, as TFLM). */
#include "activations.h"

void tl_relu6_int8(const tl_relu6_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int8_t v = input[i];
    output[i] = v > p->upper ? (int8_t)p->upper : (v < p->lower ? (int8_t)p->lower : v);
  }
}
