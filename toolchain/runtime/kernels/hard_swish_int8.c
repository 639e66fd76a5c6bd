/* HARD_SWISH, int8: TFLM's int16 fixed-point form. The input is moved to a 2^7 finer scale; one
   product brings it to the (unshifted) output scale; a second, "relu-ish" rescale maps [-3, 3] onto
   the int16 range, saturating, and then onto [0, 1]; their truncating high product, shifted to
   the output scale, is the result. All values stay within int16 as TFLM keeps them. */
#include "hard_swish.h"
#include "tl_quant.h"

static int32_t saturate_i16(int64_t v) {
  return v > 32767 ? 32767 : (v < -32768 ? -32768 : (int32_t)v);
}

static int32_t saturating_left_shift_i16(int32_t v, int32_t amount) {
  return saturate_i16((int64_t)v * ((int64_t)1 << amount));
}

/* int16 high half of 2ab, rounded to nearest (round_to_nearest != 0) or toward zero. */
static int32_t doubling_high_mul_i16(int32_t a, int32_t b, int round_to_nearest) {
  const int32_t ab = a * b;
  int32_t nudge = 0;
  if (a == -32768 && b == -32768) return 32767;
  if (round_to_nearest) nudge = ab >= 0 ? (1 << 14) : 1 - (1 << 14);
  return (int32_t)(int16_t)((ab + nudge) / (1 << 15));
}

void tl_hard_swish_int8(const tl_hard_swish_int8_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    const int32_t x_hires = x * 128;
    const int32_t x_output_scale = doubling_high_mul_i16(x_hires, p->output_multiplier, 1);
    int32_t reluish = x_hires;
    int32_t v;
    if (p->reluish_exponent > 0) reluish = saturating_left_shift_i16(reluish, p->reluish_exponent - 1);
    reluish = doubling_high_mul_i16(reluish, p->reluish_multiplier, 1);
    if (p->reluish_exponent > 0) reluish = saturating_left_shift_i16(reluish, 1);
    if (p->reluish_exponent < 0) reluish = tl_rounding_divide_by_pot(reluish, -p->reluish_exponent);
    reluish = (reluish + (1 << 15)) >> 1; /* [-1, 1] -> [0, 1] */
    v = tl_rounding_divide_by_pot(doubling_high_mul_i16(reluish, x_output_scale, 0), -p->output_exponent);
    v = (int32_t)(int16_t)(v + p->output_zero_point);
    output[i] = (int8_t)tl_clamp_i32(v, -128, 127);
  }
}
