/* ADD int8 on Cortex-M55 (MVE/Helium), four elements per vector. Each input is rescaled to the
   common scale by a gather from its 256-entry table (the generator computes TFLM's
   ((x + offset) << 20) * multiplier, shifted, for every byte), the two are added, and the sum is
   requantized as TFLM's MultiplyByQuantizedMultiplierSmallerThanOne: VQRDMULH, the tie fix-up for
   negative values, VRSHL (see tl_mve_requantize), then the output offset and the activation clamp. */
#include "add_mve.h"

/* The requantized sum of two rescaled vectors, before the clamp. */
static inline int32x4_t requantize_sum(int32x4_t x, int32x4_t y, int32_t multiplier, int32x4_t right, int32_t offset) {
  int32x4_t v = vqrdmulhq_n_s32(vaddq_s32(x, y), multiplier);
  v = vqaddq_s32(v, vshrq_n_s32(vandq_s32(v, right), 31));
  return vaddq_n_s32(vrshlq_s32(v, right), offset);
}

void tl_add_int8_mve(const tl_add_int8_mve_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const int32_t *const t1 = p->input1_table, *const t2 = p->input2_table;
  const int32_t multiplier = p->output_multiplier, offset = p->output_offset;
  const int32x4_t right = vdupq_n_s32(p->output_shift);
  const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
  const uint8_t *a = (const uint8_t *)input1, *b = (const uint8_t *)input2;
  int32_t n;
  for (n = p->count; n >= 4; n -= 4, a += 4, b += 4, output += 4) {
    const int32x4_t x = vldrwq_gather_shifted_offset_s32(t1, vldrbq_u32(a));
    const int32x4_t y = vldrwq_gather_shifted_offset_s32(t2, vldrbq_u32(b));
    vstrbq_s32(output, vminq_s32(vmaxq_s32(requantize_sum(x, y, multiplier, right, offset), lo), hi));
  }
  if (n > 0) { /* the last, partial vector: live lanes only */
    const mve_pred16_t live = vctp32q((uint32_t)n);
    const int32x4_t x = vldrwq_gather_shifted_offset_z_s32(t1, vldrbq_z_u32(a, live), live);
    const int32x4_t y = vldrwq_gather_shifted_offset_z_s32(t2, vldrbq_z_u32(b, live), live);
    vstrbq_p_s32(output, vminq_s32(vmaxq_s32(requantize_sum(x, y, multiplier, right, offset), lo), hi), live);
  }
}
