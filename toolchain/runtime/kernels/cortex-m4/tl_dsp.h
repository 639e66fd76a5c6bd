/* Armv7E-M DSP helpers shared by the Cortex-M4/M7 kernels: SIMD sign extension and the
   requantization the generator proved exact (docs/kernels.md, "Cortex-M4/M7 DSP kernels"). */
#ifndef TL_DSP_H
#define TL_DSP_H

#include <arm_acle.h>
#include <stdint.h>

#include "tl_quant.h"

/* Bytes 1 and 3 of w, sign-extended into the two halfwords (ACLE has no rotate form). */
static inline int32_t tl_sxtb16_ror8(uint32_t w) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(w));
  return r;
}

/* acc + bytes 1 and 3 of w, sign-extended, per halfword lane. */
static inline uint32_t tl_sxtab16_ror8(uint32_t acc, uint32_t w) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(w));
  return r;
}

/* (a * b + 2^31) >> 32 on 64 bits: SMMULR (no ACLE intrinsic). */
static inline int32_t tl_smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

static inline uint32_t tl_load_u32(const void *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/* Per output channel, four int32 (tl_dsp_requant): multiplier, pre = left shift + 1, rounding =
   2^e + z*2^(e+1), post = e + 1 (e: TFLM's right shift, z: output zero point). tl_dsp_requantize
   equals tl_multiply_by_quantized_multiplier(acc, multiplier, shift) + z wherever the generator
   proved |acc| * 2^pre < 2^31 and |2v| + |rounding| + 1 < 2^31 for every reachable acc. */
typedef struct {
  int32_t multiplier, pre, rounding, post;
} tl_dsp_requant;

/* One channel's four constants in two LDRD (GCC splits them into four loads). */
static inline tl_dsp_requant tl_dsp_load_requant(const int32_t *q) {
  tl_dsp_requant r;
  __asm__("ldrd %0, %1, [%4]\n\tldrd %2, %3, [%4, #8]"
          : "=&r"(r.multiplier), "=&r"(r.pre), "=&r"(r.rounding), "=&r"(r.post)
          : "r"(q), "m"(*(const int32_t(*)[4])q));
  return r;
}

static inline int32_t tl_dsp_requantize(int32_t acc, tl_dsp_requant q) {
  const int32_t v = tl_smmulr((int32_t)((uint32_t)acc << q.pre), q.multiplier);
  return (2 * v + q.rounding - (int32_t)((uint32_t)v >> 31)) >> q.post;
}

/* TFLM's double-rounding requantization, for operators whose bounds the generator could not prove. */
static inline int32_t tl_dsp_requantize_exact(int32_t acc, int32_t multiplier, int32_t shift, int32_t zero_point) {
  return tl_multiply_by_quantized_multiplier(acc, multiplier, shift) + zero_point;
}

/* SSAT to int8, then the fused activation's clamp unless it allows all of int8 (full_range). */
static inline int8_t tl_dsp_activate(int32_t v, int32_t full_range, int32_t act_min, int32_t act_max) {
  v = __ssat(v, 8);
  if (!full_range) {
    if (v < act_min) v = act_min;
    if (v > act_max) v = act_max;
  }
  return (int8_t)v;
}

#endif /* TL_DSP_H */
