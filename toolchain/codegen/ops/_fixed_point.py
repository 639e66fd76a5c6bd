"""TFLM's per-value integer arithmetic for int8 elementwise operators, in Python.

An int8 elementwise operator's output depends on the input value alone, so the code generator
evaluates it here for all 256 inputs and the device does one table read per element
(`kernels/lookup_int8.c`). Every function below is the integer arithmetic TFLM runs per element
(gemmlowp's Q-format helpers and the kernels' rescaling), with C's int32/int16 wrap-around made
explicit; the tests compare the tables' results with TFLM for every input value.
"""
from __future__ import annotations

from toolchain.codegen.params import rounding_divide_by_pot, sat_rounding_doubling_high_mul

INT32_MAX = 2**31 - 1
INT32_MIN = -2**31


def wrap32(x: int) -> int:
    """x as the int32 two's-complement hardware leaves it."""
    return (x + 2**31) % 2**32 - 2**31


def wrap16(x: int) -> int:
    return (x + 2**15) % 2**16 - 2**15


def trunc_div(a: int, b: int) -> int:
    """C's integer division: the quotient truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def multiply_by_quantized_multiplier(x: int, multiplier: int, shift: int) -> int:
    """x * multiplier * 2^shift, shift of either sign (tl_multiply_by_quantized_multiplier)."""
    left, right = max(shift, 0), max(-shift, 0)
    return rounding_divide_by_pot(sat_rounding_doubling_high_mul(wrap32(x << left), multiplier), right)


def saturating_rounding_mul_by_pot(x: int, exponent: int) -> int:
    if exponent > 0:
        threshold = (1 << (31 - exponent)) - 1
        if x > threshold:
            return INT32_MAX
        if x < -threshold:
            return INT32_MIN
        return wrap32(x << exponent)
    if exponent < 0:
        return rounding_divide_by_pot(x, -exponent)
    return x


def _exp_on_interval_between_negative_one_quarter_and_0(a: int) -> int:
    """exp(a) for a in [-1/4, 0), Q0.31: the 4th-order Taylor series around -1/8."""
    exp_minus_one_eighth, one_third = 1895147668, 715827883
    x = wrap32(a + (1 << 28))
    x2 = sat_rounding_doubling_high_mul(x, x)
    x3 = sat_rounding_doubling_high_mul(x2, x)
    x4 = sat_rounding_doubling_high_mul(x2, x2)
    x4_over_4 = saturating_rounding_mul_by_pot(x4, -2)
    poly = saturating_rounding_mul_by_pot(
        wrap32(sat_rounding_doubling_high_mul(wrap32(x4_over_4 + x3), one_third) + x2), -1)
    return wrap32(exp_minus_one_eighth + sat_rounding_doubling_high_mul(exp_minus_one_eighth, wrap32(x + poly)))


# exp(-2^k) in Q0.31 for k = -2 .. 4
_EXP_OF_MINUS_POT = (1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242)


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 given with `integer_bits` integer bits; Q0.31 result."""
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    a_mod_quarter_minus_quarter = (a & (one_quarter - 1)) - one_quarter
    remainder = wrap32(a_mod_quarter_minus_quarter - a)
    result = _exp_on_interval_between_negative_one_quarter_and_0(
        saturating_rounding_mul_by_pot(a_mod_quarter_minus_quarter, integer_bits))
    for k in range(-2, 5):
        if integer_bits > k and remainder & (1 << (fractional_bits + k)):
            result = sat_rounding_doubling_high_mul(result, _EXP_OF_MINUS_POT[k + 2])
    if integer_bits > 5 and a < -(1 << (36 - integer_bits)):
        result = 0
    return INT32_MAX if a == 0 else result


def _half_sum_with_one(a: int) -> int:
    """(a + 1) / 2 in Q0.31 (1 being INT32_MAX), rounded half away from zero."""
    total = a + INT32_MAX
    return wrap32(trunc_div(total + (1 if total >= 0 else -1), 2))


def _newton_reciprocal_q2(half_denominator: int) -> int:
    """1 / (2 * half_denominator) in Q2.29 by three Newton-Raphson steps from 48/17 - 32/17 d."""
    one_q2 = 1 << 29
    x = wrap32(1515870810 + sat_rounding_doubling_high_mul(half_denominator, -1010580540))
    for _ in range(3):
        one_minus = wrap32(one_q2 - sat_rounding_doubling_high_mul(half_denominator, x))
        x = wrap32(x + saturating_rounding_mul_by_pot(sat_rounding_doubling_high_mul(x, one_minus), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    return saturating_rounding_mul_by_pot(_newton_reciprocal_q2(_half_sum_with_one(a)), 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    return saturating_rounding_mul_by_pot(wrap32(_newton_reciprocal_q2(_half_sum_with_one(a)) - (1 << 29)), 2)


def logistic_q31(x_q4: int) -> int:
    """logistic of a Q4.27 value, Q0.31 ("one" is INT32_MAX)."""
    if x_q4 == 0:
        return 1 << 30
    positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs(x_q4), 4))
    return positive if x_q4 > 0 else INT32_MAX - positive


def tanh_q31(x_q4: int) -> int:
    """tanh of a Q4.27 value, Q0.31: (1 - e) / (1 + e) with e = exp(-2|x|) (the same raw value
    read with 5 integer bits)."""
    if x_q4 == 0:
        return 0
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs(x_q4), 5))
    return -t if x_q4 < 0 else t


# ---------------------------------------------------------------- 16-bit helpers (HARD_SWISH)

def saturate16(x: int) -> int:
    return max(-32768, min(32767, x))


def doubling_high_mul16(a: int, b: int, round_to_nearest: bool) -> int:
    """High half of 2ab in int16, rounded to nearest or truncated toward zero."""
    if a == b == -32768:
        return 32767
    ab = a * b
    nudge = ((1 << 14) if ab >= 0 else 1 - (1 << 14)) if round_to_nearest else 0
    return wrap16(trunc_div(ab + nudge, 1 << 15))
