/* L2_NORMALIZATION, int8: the squared sum of (x - zero point) per row, its inverse square root as
   a Q0.31 multiplier with an exponent (TFLM's five Newton-Raphson steps in Q3.28 after bit-pair
   normalisation), each value rescaled by it into 1/128 steps and clamped. */
#include "l2_normalization.h"
#include "tl_quant.h"

static void inverse_sqrt(int32_t x, int32_t *multiplier, int32_t *shift) {
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

void tl_l2_normalization_int8(const tl_l2_normalization_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t row, c;
  for (row = 0; row < p->rows; ++row) {
    const int8_t *x = input + row * p->depth;
    int8_t *y = output + row * p->depth;
    int32_t squares = 0, multiplier, shift;
    for (c = 0; c < p->depth; ++c) {
      const int32_t d = x[c] - p->input_zero_point;
      squares += d * d;
    }
    inverse_sqrt(squares, &multiplier, &shift);
    for (c = 0; c < p->depth; ++c) {
      const int32_t v = tl_multiply_by_quantized_multiplier(x[c] - p->input_zero_point, multiplier, shift + 7);
      y[c] = (int8_t)tl_clamp_i32(v, -128, 127);
    }
  }
}
