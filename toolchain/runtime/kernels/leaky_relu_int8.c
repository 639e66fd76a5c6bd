/* LEAKY_RELU, int8: one of two fixed-point rescales depending on the sign of (x - zero point). */
#include "activations.h"
#include "tl_quant.h"

void tl_leaky_relu_int8(const tl_leaky_relu_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    const int32_t scaled = x >= 0 ? tl_multiply_by_quantized_multiplier(x, p->identity_multiplier, p->identity_shift)
                                  : tl_multiply_by_quantized_multiplier(x, p->alpha_multiplier, p->alpha_shift);
    output[i] = (int8_t)tl_clamp_i32(p->output_zero_point + scaled, -128, 127);
  }
}
