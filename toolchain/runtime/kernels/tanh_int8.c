/* TANH, int8 (output scale 1/128, zero point 0): TFLM's fixed-point path. For x != 0,
   |tanh(x)| = (1 - e) / (1 + e) with e = exp(-2|x|), the division by Newton-Raphson in Q2.29. */
#include "activations.h"
#include "tl_quant.h"

/* (1 - a) / (1 + a) for a in [0, 1], Q0.31 in and out. */
static int32_t one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = (int32_t)1 << 29;
  const int64_t sum = (int64_t)a + (int64_t)INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = constant_48_over_17 + tl_sat_rounding_doubling_high_mul(half_denominator, constant_neg_32_over_17);
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t one_minus = one_q2 - tl_sat_rounding_doubling_high_mul(half_denominator, x);
    x = x + tl_saturating_rounding_mul_by_pot(tl_sat_rounding_doubling_high_mul(x, one_minus), 2);
  }
  return tl_saturating_rounding_mul_by_pot(x - one_q2, 2);
}

static int32_t tanh_q31(int32_t x_q4) {
  int32_t negative_magnitude, t;
  if (x_q4 == 0) return 0;
  negative_magnitude = x_q4 < 0 ? x_q4 : -x_q4;
  /* exp(2 * -|x|): the same raw value read with one more integer bit */
  t = one_minus_x_over_one_plus_x(tl_exp_on_negative_values(negative_magnitude, 5));
  return x_q4 < 0 ? -t : t;
}

void tl_tanh_int8(const tl_tanh_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    int32_t v;
    if (x <= -p->input_range_radius) {
      v = -128;
    } else if (x >= p->input_range_radius) {
      v = 127;
    } else {
      const int32_t x_q4 = tl_multiply_by_quantized_multiplier(x, p->input_multiplier, p->input_left_shift);
      v = tl_clamp_i32(tl_rounding_divide_by_pot(tanh_q31(x_q4), 24), -128, 127);
    }
    output[i] = (int8_t)v;
  }
}
