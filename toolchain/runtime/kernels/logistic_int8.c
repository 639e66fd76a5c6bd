/* LOGISTIC, int8 (output scale 1/256, zero point -128): TFLM's fixed-point path. For x > 0,
   logistic(x) = 1 / (1 + exp(-x)) in Q0.31; for x < 0 it is 1 - logistic(-x); logistic(0) = 1/2. */
#include "activations.h"
#include "tl_quant.h"

static int32_t logistic_q31(int32_t x_q4) {
  int32_t magnitude, positive;
  if (x_q4 == 0) return (int32_t)1 << 30;
  magnitude = x_q4 > 0 ? x_q4 : -x_q4;
  positive = tl_one_over_one_plus_x_for_x_in_0_1(tl_exp_on_negative_values(-magnitude, 4));
  return x_q4 > 0 ? positive : INT32_MAX - positive; /* Q0.31 "one" is INT32_MAX */
}

void tl_logistic_int8(const tl_logistic_int8_params *p, const int8_t *input, int8_t *output) {
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
      v = tl_clamp_i32(tl_rounding_divide_by_pot(logistic_q31(x_q4), 23) - 128, -128, 127);
    }
    output[i] = (int8_t)v;
  }
}
