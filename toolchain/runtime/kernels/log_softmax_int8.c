/* LOG_SOFTMAX, int8: TFLM's fixed-point log-softmax step for step (gemmlowp arithmetic, int32
   wrap-around made explicit with unsigned adds). */
#include "log_softmax.h"
#include "tl_quant.h"

#define Q5_LN2 1488522236          /* log(2), Q0.31 */
#define SQRT_SQRT_HALF 1805811301  /* 0.5^(1/4) */
#define SQRT_HALF 1518500250       /* 0.5^(1/2) */
#define ONE_QUARTER 536870912      /* 1/4 */
#define ALPHA_N 117049297          /* 11/240 * 2^(1/4) */
#define ALPHA_D 127690142          /* 1/20 * 2^(1/4) */
#define ALPHA_I 1057819769         /* 2 / 2^(1/4) - 2^(1/4) */
#define ALPHA_F 638450708          /* 1/4 * 2^(1/4) */

static int32_t wrapping_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t wrapping_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

static int32_t saturate_i64(int64_t x) {
  return x > INT32_MAX ? INT32_MAX : (x < INT32_MIN ? INT32_MIN : (int32_t)x);
}

static int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + b;
  return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* log(x) for x >= 1 given in Q12.19, result in Q5.26 (TFLM's log_x_for_x_greater_than_or_equal_to_1
   with 5 output and 12 input integer bits; the accumulation has 6 integer bits). */
static int32_t log_of_sum_q12(int32_t z_a) {
  const int32_t input_integer_bits = 12, accum_integer_bits = 6;
  const int32_t shifted_quarter = tl_rounding_divide_by_pot(ONE_QUARTER, accum_integer_bits);
  const int32_t z_a_headroom_plus_1 = tl_count_leading_zeros((uint32_t)z_a);
  const int32_t r_a_tmp = tl_saturating_rounding_mul_by_pot(z_a, z_a_headroom_plus_1 - 1);
  const int32_t r_a = tl_saturating_rounding_mul_by_pot(tl_sat_rounding_doubling_high_mul(r_a_tmp, SQRT_HALF), 1);
  const int32_t z_a_pow_2_adj = saturate_i64(
      (int64_t)tl_saturating_rounding_mul_by_pot(input_integer_bits - z_a_headroom_plus_1, 31 - accum_integer_bits) +
      shifted_quarter);
  const int32_t z_b = tl_sat_rounding_doubling_high_mul(z_a, SQRT_HALF);
  const int32_t z_b_headroom = tl_count_leading_zeros((uint32_t)z_b) - 1;
  const int32_t r_b = tl_saturating_rounding_mul_by_pot(z_a, z_b_headroom);
  const int32_t z_b_pow_2_adj = saturate_i64(
      (int64_t)tl_saturating_rounding_mul_by_pot(input_integer_bits - z_b_headroom, 31 - accum_integer_bits) -
      shifted_quarter);
  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
  const int32_t p = rounding_half_sum(r, SQRT_SQRT_HALF);
  const int32_t q_half = wrapping_sub(r, SQRT_SQRT_HALF);
  const int32_t q = wrapping_add(q_half, q_half);
  const int32_t common_sq = tl_sat_rounding_doubling_high_mul(q, q);
  const int32_t num = wrapping_add(tl_sat_rounding_doubling_high_mul(q, r),
                                   tl_sat_rounding_doubling_high_mul(tl_sat_rounding_doubling_high_mul(q, common_sq),
                                                                     ALPHA_N));
  const int32_t denom_minus_one = wrapping_add(
      tl_sat_rounding_doubling_high_mul(
          p, wrapping_add(wrapping_add(ALPHA_I, q), tl_sat_rounding_doubling_high_mul(ALPHA_D, common_sq))),
      tl_sat_rounding_doubling_high_mul(ALPHA_F, q));
  const int32_t recip_denom = tl_one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
  const int32_t num_scaled = tl_rounding_divide_by_pot(num, accum_integer_bits);
  const int32_t log_q6 = wrapping_add(tl_sat_rounding_doubling_high_mul(z_pow_2_adj, Q5_LN2),
                                      tl_sat_rounding_doubling_high_mul(num_scaled, recip_denom));
  return tl_saturating_rounding_mul_by_pot(log_q6, 1);
}

void tl_log_softmax_int8(const tl_log_softmax_int8_params *p, const int8_t *input, int8_t *output) {
  const int32_t input_integer_bits = 5, output_integer_bits = 4, accumulation_integer_bits = 12;
  int32_t row, c;
  for (row = 0; row < p->rows; ++row) {
    const int8_t *x = input + row * p->depth;
    int8_t *y = output + row * p->depth;
    int32_t max = -128, sum_q12 = 0, log_sum_q5, adjusted_diff_min, floor_diff;
    for (c = 0; c < p->depth; ++c) max = x[c] > max ? x[c] : max;
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = x[c] - max;
      if (diff >= p->diff_min) {
        const int32_t diff_q5 = tl_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
        sum_q12 = wrapping_add(sum_q12, tl_rounding_divide_by_pot(tl_exp_on_negative_values(diff_q5, input_integer_bits),
                                                                  accumulation_integer_bits));
      }
    }
    log_sum_q5 = log_of_sum_q12(sum_q12);
    /* The smallest Q5.26 value plus the log-sum, back in input steps: lower differences give -128. */
    floor_diff = tl_multiply_by_quantized_multiplier(wrapping_add(log_sum_q5, INT32_MIN), p->reverse_multiplier,
                                                     p->reverse_shift);
    adjusted_diff_min = p->diff_min - 1 > floor_diff ? p->diff_min - 1 : floor_diff;
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = x[c] - max;
      if (diff > adjusted_diff_min) {
        const int32_t diff_q5 = tl_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
        const int32_t v = tl_rounding_divide_by_pot(wrapping_sub(diff_q5, log_sum_q5),
                                                    31 - input_integer_bits - output_integer_bits) + 127;
        y[c] = (int8_t)tl_clamp_i32(v, -128, 127);
      } else {
        y[c] = -128;
      }
    }
  }
}
