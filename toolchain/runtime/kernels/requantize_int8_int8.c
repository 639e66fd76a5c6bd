/* QUANTIZE int8 -> int8 (requantization): one fixed-point multiply by input_scale / output_scale,
   as TFLM's Requantize. */
#include "quantize.h"
#include "tl_quant.h"

void tl_requantize_int8_int8(const tl_requantize_int8_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t v = tl_multiply_by_quantized_multiplier((int32_t)input[i] - p->input_zero_point,
                                                          p->multiplier, p->shift) + p->output_zero_point;
    output[i] = (int8_t)tl_clamp_i32(v, -128, 127);
  }
}
