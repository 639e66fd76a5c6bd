/* DIV, int8: TFLM's quotient step for step. The divisor (made positive, the dividend's sign
   following) becomes a Q0.31 reciprocal with an exponent, the dividend is shifted up to its
   headroom, their product requantized by the scale ratio with the combined exponent. */
#include "broadcast.h"
#include "div.h"
#include "tl_quant.h"

static int32_t leading_sign_bits(int32_t x) {
  return tl_count_leading_zeros((uint32_t)(x < 0 ? ~x : x)) - 1;
}

/* TFLM's rounding right shift, including shifts of 32 bits and more, which its C++ leaves
   undefined: on the interpreter's x86 build the rounding mask becomes all ones and the shift count
   is taken mod 32, so the value comes back shifted by (exponent - 32) plus one when non-negative. */
static int32_t rounding_shift_right(int32_t x, int32_t exponent) {
  if (exponent <= 31) return tl_rounding_divide_by_pot(x, exponent);
  return (x >> (exponent & 31)) + (x >= 0 ? 1 : 0);
}

static int32_t divide_one(const tl_div_int8_params *p, int32_t a, int32_t b) {
  int32_t dividend = p->input1_offset + a, divisor = p->input2_offset + b;
  int32_t reciprocal_shift, headroom, quotient, total_shift;
  int32_t reciprocal;
  if (divisor == 0) return p->act_max;
  if (divisor < 0) {
    dividend = -dividend;
    divisor = -divisor;
  }
  reciprocal = tl_reciprocal(divisor, 31, &reciprocal_shift);
  headroom = leading_sign_bits(dividend);
  quotient = tl_multiply_by_quantized_multiplier_greater_than_one(dividend, reciprocal, headroom);
  total_shift = p->output_shift - reciprocal_shift - headroom; /* <= 0: the builder bounds output_shift */
  return tl_clamp_i32(
      p->output_offset +
          rounding_shift_right(tl_sat_rounding_doubling_high_mul(quotient, p->output_multiplier), -total_shift),
      p->act_min, p->act_max);
}

void tl_div_int8(const tl_div_int8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      *output++ = (int8_t)divide_one(p, input1[offset_a + i * step_a], input2[offset_b + i * step_b]);
    }
  }
}
