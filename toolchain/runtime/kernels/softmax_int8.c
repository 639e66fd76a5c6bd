/* SOFTMAX, int8 -> int8: exp of (x - max) in Q5.26 fixed point, sum in Q12.19, one fixed-point
   reciprocal per row; the same Q-format steps as TFLM's integer softmax, so the bytes match. */
#include "softmax.h"
#include "tl_quant.h"

enum { SCALED_DIFF_INTEGER_BITS = 5, ACCUMULATION_INTEGER_BITS = 12 };

static int32_t exp_of_difference(const tl_softmax_int8_params *p, int32_t diff) {
  const int32_t rescaled =
      tl_multiply_by_quantized_multiplier_greater_than_one(diff, p->input_multiplier, p->input_left_shift);
  return tl_exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS);
}

void tl_softmax_int8(const tl_softmax_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = input + (size_t)r * p->depth;
    int8_t *y = output + (size_t)r * p->depth;
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
      int32_t value = -128;
      if (diff >= p->diff_min) {
        const int32_t e = exp_of_difference(p, diff);
        value = tl_rounding_divide_by_pot(tl_sat_rounding_doubling_high_mul(scale, e), bits_over_unit + 31 - 8) - 128;
      }
      y[c] = (int8_t)tl_clamp_i32(value, -128, 127);
    }
  }
}
