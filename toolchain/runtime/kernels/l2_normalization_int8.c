/* L2_NORMALIZATION, int8: the squared sum of (x - zero point) per row, its inverse square root as
   a multiplier with an exponent (tl_inverse_sqrt_multiplier), each value rescaled by it into 1/128
   steps and clamped. */
#include "l2_normalization.h"
#include "tl_quant.h"

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
    tl_inverse_sqrt_multiplier(squares, &multiplier, &shift);
    for (c = 0; c < p->depth; ++c) {
      const int32_t v = tl_multiply_by_quantized_multiplier(x[c] - p->input_zero_point, multiplier, shift + 7);
      y[c] = (int8_t)tl_clamp_i32(v, -128, 127);
    }
  }
}
