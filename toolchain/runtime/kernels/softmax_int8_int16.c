/* SOFTMAX, int8 -> int16: TFLM runs the int8 -> int8 fixed-point steps (softmax_int8_steps.h) and
   only rounds the quotient to 16 bits instead of 8, offset by -32768 (output scale 1/65536,
   zero point -32768). */
#include "softmax.h"
#include "softmax_int8_steps.h"

void tl_softmax_int8_int16(const tl_softmax_int8_int16_params *p, const int8_t *input, int16_t *output) {
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const int8_t *x = input + (size_t)r * p->depth;
    int16_t *y = output + (size_t)r * p->depth;
    const tl_softmax_int8_row row =
        tl_softmax_int8_row_scale(x, p->depth, p->input_multiplier, p->input_left_shift, p->diff_min);
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)x[c] - row.max;
      int32_t value = -32768;
      if (diff >= p->diff_min) {
        const int32_t e = tl_softmax_int8_exp(diff, p->input_multiplier, p->input_left_shift);
        value = tl_rounding_divide_by_pot(tl_sat_rounding_doubling_high_mul(row.scale, e),
                                          row.bits_over_unit + 31 - 16) - 32768;
      }
      y[c] = (int16_t)tl_clamp_i32(value, -32768, 32767);
    }
  }
}
