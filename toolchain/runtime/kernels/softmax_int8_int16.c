/* SOFTMAX, int8 -> int16: TFLM runs the int8 -> int8 fixed-point steps (exp of x - max in Q5.26,
   sum in Q12.19, one reciprocal per row) and only rounds the quotient to 16 bits instead of 8,
   offset by -32768 (output scale 1/65536, zero point -32768). */
#include "softmax.h"
#include "tl_quant.h"

enum { SCALED_DIFF_INTEGER_BITS = 5, ACCUMULATION_INTEGER_BITS = 12, OUTPUT_BITS = 16 };

static int32_t exp_of_difference(const tl_softmax_int8_int16_params *p, int32_t diff) {
  const int32_t rescaled =
      tl_multiply_by_quantized_multiplier_greater_than_one(diff, p->input_multiplier, p->input_left_shift);
  return tl_exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS);
}

void tl_softmax_int8_int16(const tl_softmax_int8_int16_params *p, const int8_t *input, int16_t *output) {
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = input + (size_t)r * p->depth;
    int16_t *y = output + (size_t)r * p->depth;
    int32_t max = x[0];
    int32_t sum = 0;
    int32_t bits_over_unit, scale;
    for (c = 1; c < p->depth; ++c) max = x[c] > max ? x[c] : max;
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)x[c] - max;
      if (diff >= p->diff_min) {
        sum += tl_rounding_divide_by_pot(exp_of_difference(p, diff), ACCUMULATION_INTEGER_BITS);
      }
    }
    scale = tl_reciprocal(sum, ACCUMULATION_INTEGER_BITS, &bits_over_unit);
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)x[c] - max;
      int32_t value = -32768;
      if (diff >= p->diff_min) {
        const int32_t e = exp_of_difference(p, diff);
        value = tl_rounding_divide_by_pot(tl_sat_rounding_doubling_high_mul(scale, e),
                                          bits_over_unit + 31 - OUTPUT_BITS) - 32768;
      }
      y[c] = (int16_t)tl_clamp_i32(value, -32768, 32767);
    }
  }
}
