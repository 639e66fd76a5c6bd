/* RELU, int8: requantize (x - input zero point) to the output scale, add the output zero point,
   clamp to [output zero point, 127]. */
#include "activations.h"
#include "tl_quant.h"

void tl_relu_int8(const tl_relu_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t v = p->output_zero_point +
                      tl_multiply_by_quantized_multiplier((int32_t)input[i] - p->input_zero_point, p->multiplier,
                                                          p->shift);
    output[i] = (int8_t)tl_clamp_i32(v, p->act_min, p->act_max);
  }
}
