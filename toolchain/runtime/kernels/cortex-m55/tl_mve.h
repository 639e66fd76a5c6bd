/* Cortex-M55 (MVE/Helium) building blocks shared by the int8 kernels of this folder: TFLM's
   requantizing output stage on four channels at once, and the dot products of one input column with
   blocks of four output channels (weights re-laid by the generator, see docs/kernels.md). */
#ifndef TL_MVE_H
#define TL_MVE_H

#include <arm_mve.h>
#include "tl_runtime.h"

/* Per-channel output stage. For every block of four channels (the generator pads the last one),
   four vectors follow each other: bias + input_offset * sum(w) (the taps' offsets folded in), the Q31
   multiplier, max(shift, 0) and min(shift, 0) (VRSHL by a negative count shifts right, rounding). */
typedef struct {
  int32_t zero_point;        /* output zero point */
  int32_t act_min, act_max;  /* fused activation as a clamp on quantized values */
  const int32_t *channels;   /* [blocks][bias, multiplier, left shift, right shift][4] */
} tl_mve_output_stage;

/* The output stage as loop-invariant vectors, so the compiler keeps them in registers. */
typedef struct {
  int32x4_t lo, hi;
  int32_t zero_point;
} tl_mve_clamp;

static inline tl_mve_clamp tl_mve_clamp_of(const tl_mve_output_stage *o) {
  tl_mve_clamp c;
  c.lo = vdupq_n_s32(o->act_min);
  c.hi = vdupq_n_s32(o->act_max);
  c.zero_point = o->zero_point;
  return c;
}

/* TFLM's MultiplyByQuantizedMultiplier(acc + bias, multiplier, shift) + zero point, clamped, for the
   four channels whose constants start at q (16 int32).
   - VSHL: the wrapping left shift TFLM does as x * (1 << left).
   - VQRDMULH: (2ab + 2^31) >> 32 saturated, which is SaturatingRoundingDoublingHighMul bit for bit
     (the same floor((ab + 2^30) / 2^31) for either sign; INT32_MIN * INT32_MIN saturates).
   - VRSHL by a negative count rounds halves up; RoundingDivideByPOT rounds them away from zero, so
     negative values are first lowered by one when the shift is not zero (that only moves exact halves;
     VQADD keeps INT32_MIN, which has no half to move). */
static inline int32x4_t tl_mve_requantize(int32x4_t acc, const int32_t *q, const tl_mve_clamp *c) {
  const int32x4_t right = vldrwq_s32(q + 12);
  int32x4_t v = vshlq_s32(vaddq_s32(acc, vldrwq_s32(q)), vldrwq_s32(q + 8));
  v = vqrdmulhq_s32(v, vldrwq_s32(q + 4));
  v = vqaddq_s32(v, vshrq_n_s32(vandq_s32(v, right), 31));
  v = vrshlq_s32(v, right);
  v = vaddq_n_s32(v, c->zero_point);
  return vminq_s32(vmaxq_s32(v, c->lo), c->hi);
}

/* Stores the four int8 of v for the channels that exist (remaining may be below 4). */
static inline void tl_mve_store4(int8_t *dst, int32x4_t v, int32_t remaining) {
  if (remaining >= 4) {
    vstrbq_s32(dst, v);
  } else {
    vstrbq_p_s32(dst, v, vctp32q((uint32_t)remaining));
  }
}

/* out[c] for c < channels: requantized dot(x[0..depth), channel c's weights). The weights come in
   blocks of four channels; within a block, each 16-tap chunk of the four channels is stored together
   (64 bytes), zero-padded to whole chunks, so one pointer walks them. The last partial chunk of x
   is loaded predicated (no read past the column). */
static inline void tl_mve_matvec(const int8_t *x, const int8_t *w, int32_t depth, int32_t channels,
                                 const tl_mve_output_stage *o, int8_t *out) {
  const int32_t full = depth >> 4;
  const int32_t *q = o->channels;
  const tl_mve_clamp clamp = tl_mve_clamp_of(o);
  int32_t c, j;
  for (c = 0; c < channels; c += 4, q += 16) {
    const int8_t *xp = x;
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int32x4_t acc;
    for (j = full; j > 0; --j) {
      const int8x16_t a = vldrbq_s8(xp);
      xp += 16;
      s0 = vmladavaq_s8(s0, a, vldrbq_s8(w));
      s1 = vmladavaq_s8(s1, a, vldrbq_s8(w + 16));
      s2 = vmladavaq_s8(s2, a, vldrbq_s8(w + 32));
      s3 = vmladavaq_s8(s3, a, vldrbq_s8(w + 48));
      w += 64;
    }
    if (depth & 15) {
      const int8x16_t a = vldrbq_z_s8(xp, vctp8q((uint32_t)(depth & 15)));
      s0 = vmladavaq_s8(s0, a, vldrbq_s8(w));
      s1 = vmladavaq_s8(s1, a, vldrbq_s8(w + 16));
      s2 = vmladavaq_s8(s2, a, vldrbq_s8(w + 32));
      s3 = vmladavaq_s8(s3, a, vldrbq_s8(w + 48));
      w += 64;
    }
    acc = vdupq_n_s32(s0);
    acc = vsetq_lane_s32(s1, acc, 1);
    acc = vsetq_lane_s32(s2, acc, 2);
    acc = vsetq_lane_s32(s3, acc, 3);
    tl_mve_store4(out + c, tl_mve_requantize(acc, q, &clamp), channels - c);
  }
}

/* dst[0..n) = src[0..n), 16 bytes per step, the last step predicated. */
static inline void tl_mve_copy(int8_t *dst, const int8_t *src, int32_t n) {
  for (; n > 0; n -= 16, src += 16, dst += 16) {
    const mve_pred16_t p = vctp8q((uint32_t)n);
    vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
  }
}

/* dst[0..n) = value. */
static inline void tl_mve_fill(int8_t *dst, int8_t value, int32_t n) {
  const int8x16_t v = vdupq_n_s8(value);
  for (; n > 0; n -= 16, dst += 16) {
    vstrbq_p_s8(dst, v, vctp8q((uint32_t)n));
  }
}

#endif /* TL_MVE_H */
