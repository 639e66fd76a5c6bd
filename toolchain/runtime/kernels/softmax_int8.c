/* SOFTMAX, int8 -> int8: the same Q-format steps as TFLM's integer softmax (softmax_int8_steps.h),
   the quotient rounded to 8 bits (output scale 1/256, zero point -128), so the bytes match. */
#include "softmax.h"
#include "softmax_int8_steps.h"

void tl_softmax_int8(const tl_softmax_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = input + (size_t)r * p->depth;
    int8_t *y = output + (size_t)r * p->depth;
    const tl_softmax_int8_row row =
        tl_softmax_int8_row_scale(x, p->depth, p->input_multiplier, p->input_left_shift, p->diff_min);
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)x[c] - row.max;
      int32_t value = -128;
      if (diff >= p->diff_min) {
        const int32_t e = tl_softmax_int8_exp(diff, p->input_multiplier, p->input_left_shift);
        value = tl_rounding_divide_by_pot(tl_sat_rounding_doubling_high_mul(row.scale, e),
                                          row.bits_over_unit + 31 - 8) - 128;
      }
      y[c] = (int8_t)tl_clamp_i32(value, -128, 127);
    }
  }
}
