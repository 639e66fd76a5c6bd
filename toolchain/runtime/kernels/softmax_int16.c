/* SOFTMAX, int16 -> int16 (TFLM's table path): x - max rescaled so [-65535, 0] spans exp's
   [-10, 0], exp read from a 513-entry interpolated table (Q0.15), the row sum normalised to
   [1, 2) and inverted through a second table (1 / (1 + x)), each exp times that reciprocal with
   one rounding shift. Output scale 1/32768, zero point 0. */
#include "softmax.h"
#include "tl_quant.h"

/* table[] at a symmetric int16 position: 512 segments of 128 steps, linear in between. */
static int32_t interpolate(const int16_t *table, int32_t value) {
  const int32_t biased = value + 32768; /* [0, 65535]: index and offset without signed shifts */
  const int32_t index = biased >> 7;
  const int32_t offset = biased & 0x7f;
  const int32_t slope = (int16_t)(table[index + 1] - table[index]);
  return (int16_t)(table[index] + ((slope * offset + 64) >> 7));
}

static int32_t leading_zeros(uint32_t x) {
  int32_t n = 0;
  while (n < 32 && !(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

void tl_softmax_int16(const tl_softmax_int16_params *p, const int16_t *input, int16_t *output) {
  int32_t r, c;
  for (r = 0; r < p->rows; ++r) {
    const int16_t *x = input + (size_t)r * p->depth;
    int16_t *y = output + (size_t)r * p->depth;
    int32_t max = -32768, sum = 0;
    int32_t headroom_plus_one, normalised_sum, reciprocal, right_shift;
    int64_t round;
    for (c = 0; c < p->depth; ++c) max = x[c] > max ? x[c] : max;
    /* the exps wait in the output (safe in place: element c is read before it is written) */
    for (c = 0; c < p->depth; ++c) {
      const int32_t scaled =
          tl_multiply_by_quantized_multiplier((int32_t)x[c] - max, p->input_multiplier, p->input_shift);
      y[c] = (int16_t)interpolate(p->exp_table, tl_clamp_i32(scaled + 32767, -32768, 32767));
      sum += y[c];
    }
    /* sum >= exp(0) > 0: shift its top bit to bit 30, keep 17 bits, recentre [1, 2) on int16 */
    headroom_plus_one = leading_zeros((uint32_t)sum);
    normalised_sum = (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    reciprocal = interpolate(p->one_over_one_plus_x_table,
                             tl_clamp_i32(normalised_sum - ((1 << 15) + (1 << 16)), -32768, 32767));
    right_shift = 31 - headroom_plus_one;
    round = (int64_t)1 << (right_shift - 1);
    for (c = 0; c < p->depth; ++c) {
      const int64_t value = ((int64_t)y[c] * reciprocal + round) >> right_shift;
      y[c] = (int16_t)(value < 0 ? 0 : value > 32767 ? 32767 : value);
    }
  }
}
