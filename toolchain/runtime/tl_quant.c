/* Fixed-point transcendental helpers used by the integer softmax (and other nonlinear kernels).
   They reproduce the Q-format arithmetic of gemmlowp's fixedpoint library that TFLM uses:
   every product is a saturating rounding doubling high multiply, every rescale a rounding shift. */
#include "tl_quant.h"

int32_t tl_saturating_rounding_mul_by_pot(int32_t x, int32_t exponent) {
  if (exponent > 0) {
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return tl_shift_left(x, exponent);
  }
  if (exponent < 0) {
    return tl_rounding_divide_by_pot(x, -exponent);
  }
  return x;
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8 to the 4th order. */
static int32_t exp_on_interval_between_negative_one_quarter_and_0(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0.31 */
  const int32_t one_third = 715827883;             /* 1/3 in Q0.31 */
  const int32_t x = a + (1 << 28);                  /* a + 1/8 */
  const int32_t x2 = tl_sat_rounding_doubling_high_mul(x, x);
  const int32_t x3 = tl_sat_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = tl_sat_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = tl_saturating_rounding_mul_by_pot(x4, -2);
  const int32_t poly = tl_saturating_rounding_mul_by_pot(
      tl_sat_rounding_doubling_high_mul(x4_over_4 + x3, one_third) + x2, -1);
  return exp_minus_one_eighth + tl_sat_rounding_doubling_high_mul(exp_minus_one_eighth, x + poly);
}

int32_t tl_exp_on_negative_values(int32_t a, int32_t integer_bits) {
  /* exp(-2^k) in Q0.31 for k = -2 .. 4: one factor per set bit of the whole-quarters part. */
  static const int32_t exp_of_minus_pot[7] = {1672461947, 1302514674, 790015084, 290630308,
                                              39332535, 720401, 242};
  const int32_t fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t a_mod_quarter_minus_quarter = (a & (one_quarter - 1)) - one_quarter;
  const int32_t remainder = a_mod_quarter_minus_quarter - a;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0(
      tl_saturating_rounding_mul_by_pot(a_mod_quarter_minus_quarter, integer_bits));
  int32_t k;
  for (k = -2; k <= 4; ++k) {
    if (integer_bits > k) {
      const int32_t bit = (int32_t)1 << (fractional_bits + k);
      if (remainder & bit) {
        result = tl_sat_rounding_doubling_high_mul(result, exp_of_minus_pot[k + 2]);
      }
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

int32_t tl_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  /* Newton-Raphson division on half the denominator, in Q2.29, from the 48/17 - 32/17 * d start. */
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = (int32_t)1 << 29;
  const int64_t sum = (int64_t)a + (int64_t)INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = constant_48_over_17 + tl_sat_rounding_doubling_high_mul(half_denominator, constant_neg_32_over_17);
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tl_sat_rounding_doubling_high_mul(half_denominator, x);
    const int32_t one_minus = one_q2 - half_denominator_times_x;
    x = x + tl_saturating_rounding_mul_by_pot(tl_sat_rounding_doubling_high_mul(x, one_minus), 2);
  }
  return tl_saturating_rounding_mul_by_pot(x, 1);
}

int32_t tl_count_leading_zeros(uint32_t x) {
  int32_t n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

int32_t tl_reciprocal(int32_t x, int32_t integer_bits, int32_t *bits_over_unit) {
  const int32_t headroom_plus_one = tl_count_leading_zeros((uint32_t)x);
  const int32_t shifted_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
  *bits_over_unit = integer_bits - headroom_plus_one;
  return tl_one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

void tl_inverse_sqrt_multiplier(int32_t x, int32_t *multiplier, int32_t *shift) {
  const int32_t half_three = (1 << 28) + (1 << 27);
  int32_t exponent = 11, pairs, half_input, root, i;
  if (x <= 1) { /* 1, and the empty row's 0, as TFLM: the largest multiplier */
    *multiplier = INT32_MAX;
    *shift = 0;
    return;
  }
  while (x >= (1 << 29)) {
    x /= 4;
    ++exponent;
  }
  pairs = (tl_count_leading_zeros((uint32_t)x) - 1) / 2 - 1;
  exponent -= pairs;
  x <<= 2 * pairs;
  half_input = tl_saturating_rounding_mul_by_pot(x >> 1, -1);
  root = 1 << 28;
  for (i = 0; i < 5; ++i) {
    const int32_t cube = tl_saturating_rounding_mul_by_pot(
        tl_sat_rounding_doubling_high_mul(tl_sat_rounding_doubling_high_mul(root, root), root), 6);
    root = tl_saturating_rounding_mul_by_pot(
        (int32_t)((uint32_t)tl_sat_rounding_doubling_high_mul(half_three, root) -
                  (uint32_t)tl_sat_rounding_doubling_high_mul(half_input, cube)),
        3);
  }
  root = tl_sat_rounding_doubling_high_mul(root, 1518500250); /* sqrt(2)/2 */
  if (exponent < 0) {
    root = tl_shift_left(root, -exponent);
    exponent = 0;
  }
  *multiplier = root;
  *shift = -exponent;
}
