/* Fixed-point requantization, matching TFLM's integer arithmetic bit for bit.
   Multipliers and shifts are computed by the code generator (in double precision, as TFLM does
   at Prepare time); the device only runs the integer part below. */
#ifndef TL_QUANT_H
#define TL_QUANT_H

#include "tl_runtime.h"

/* Round-to-nearest of (a * b * 2) / 2^32, ties away from zero; the one overflowing case
   (INT32_MIN * INT32_MIN) saturates to INT32_MAX. TFLM adds a sign-dependent nudge and truncates
   toward zero; adding 2^30 and flooring (arithmetic shift) gives the same value for either sign,
   in fewer instructions. */
static inline int32_t tl_sat_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) {
    return INT32_MAX;
  }
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

/* x / 2^exponent rounded to nearest, ties away from zero (exponent in 0..31). 32-bit only:
   a variable 64-bit shift is a library call on 32-bit cores. */
static inline int32_t tl_rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^left wrapping like the two's-complement hardware (TFLM relies on it). */
static inline int32_t tl_shift_left(int32_t x, int32_t left) {
  return (int32_t)((uint32_t)x << left);
}

/* x * multiplier * 2^shift, where multiplier is a Q31 value in [0.5, 1) and shift may be
   either sign: the double-rounding form TFLM uses for convolution (per channel), fully
   connected, add and most other requantizations. */
static inline int32_t tl_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return tl_rounding_divide_by_pot(tl_sat_rounding_doubling_high_mul(tl_shift_left(x, left), multiplier), right);
}

/* The "smaller than one" form: shift <= 0 only. */
static inline int32_t tl_multiply_by_quantized_multiplier_smaller_than_one(int32_t x, int32_t multiplier,
                                                                           int32_t shift) {
  return tl_rounding_divide_by_pot(tl_sat_rounding_doubling_high_mul(x, multiplier), -shift);
}

/* The "greater than one" form: shift >= 0 only, no final rounding divide. */
static inline int32_t tl_multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t multiplier,
                                                                           int32_t shift) {
  return tl_sat_rounding_doubling_high_mul(tl_shift_left(x, shift), multiplier);
}

/* The 64-bit accumulator form (int16 activations): the multiplier is first rounded to 16 bits,
   then one rounding shift. x must lie in [-2^47, 2^47), shift in [-31, 7]. */
static inline int32_t tl_multiply_by_quantized_multiplier_64(int64_t x, int32_t multiplier, int32_t shift) {
  const int64_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int32_t total_shift = 15 - shift;
  const int64_t round = (int64_t)1 << (total_shift - 1);
  return (int32_t)((x * reduced + round) >> total_shift);
}

static inline int32_t tl_clamp_i32(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* x * 2^exponent with saturation (exponent > 0) or rounding (exponent < 0). */
int32_t tl_saturating_rounding_mul_by_pot(int32_t x, int32_t exponent);

/* exp(x) for x <= 0 given in fixed point with `integer_bits` integer bits; result in Q0.31. */
int32_t tl_exp_on_negative_values(int32_t x, int32_t integer_bits);

/* 1 / (1 + x) for x in [0, 1), both Q0.31. */
int32_t tl_one_over_one_plus_x_for_x_in_0_1(int32_t x);

/* 1/sqrt(x) for an integer x >= 0 as a Q0.31 multiplier and a (left) shift: TFLM's
   GetInvSqrtQuantizedMultiplierExp (x normalised by bit pairs into [2^27, 2^29), five
   Newton-Raphson steps in Q3.28 from 1, times sqrt(2)/2); x <= 1 gives INT32_MAX, 0. */
void tl_inverse_sqrt_multiplier(int32_t x, int32_t *multiplier, int32_t *shift);

/* Leading zero bits of x (32 for 0). */
int32_t tl_count_leading_zeros(uint32_t x);

/* Reciprocal of a positive fixed-point value with `integer_bits` integer bits: returns a Q0.31
   scale and sets *bits_over_unit so that 1/x = scale * 2^-bits_over_unit. */
int32_t tl_reciprocal(int32_t x, int32_t integer_bits, int32_t *bits_over_unit);

#endif /* TL_QUANT_H */
