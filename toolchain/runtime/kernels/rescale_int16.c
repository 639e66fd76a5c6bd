/* RELU, RELU6 and LEAKY_RELU on int16: (x - input zero point) rescaled by one of two fixed-point
   multipliers (by its sign), plus the output zero point, clamped. RELU and LEAKY_RELU use this
   exactly as TFLM computes them; RELU6 uses the identity multiplier (TFLM only clamps). */
#include "rescale.h"
#include "tl_quant.h"

void tl_rescale_int16(const tl_rescale_int16_params *p, const int16_t *input, int16_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    const int32_t scaled = x >= 0 ? tl_multiply_by_quantized_multiplier(x, p->multiplier, p->shift)
                                  : tl_multiply_by_quantized_multiplier(x, p->negative_multiplier, p->negative_shift);
    output[i] = (int16_t)tl_clamp_i32(p->output_zero_point + scaled, p->act_min, p->act_max);
  }
}
