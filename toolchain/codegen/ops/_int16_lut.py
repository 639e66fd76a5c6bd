"""TFLM's 513-entry int16 interpolation tables, built in single precision as TFLM's Prepare
builds them (gen_lut with float arithmetic), for kernels that read them with
`interpolate()` in C (512 segments of 128 input steps, linear in between).

Entry i samples f at input_min + i * step (512 steps over [input_min, input_max]), scaled so
[output_min, output_max] spans the int16 range, minus half the error linear interpolation makes
at the segment's midpoint; entry 512 is f(input_max), only there for the last slope.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

STEPS = 512
_F = np.float32


def round_half_away(x: np.float32) -> float:
    """C's roundf: halves away from zero (exact: float32 values fit a double with room to spare)."""
    v = float(x)
    return math.copysign(math.floor(abs(v) + 0.5), v)


def expf(x: np.float32) -> np.float32:
    """exp in single precision, correctly rounded (glibc's expf gives these values; the tests
    check the exp table against the host C library)."""
    return _F(math.exp(float(x)))


def one_over_one_plus_x(x: np.float32) -> np.float32:
    return _F(1.0) / (_F(1.0) + x)


def int16_lut(f: Callable[[np.float32], np.float32], input_min: float, input_max: float,
              output_min: float, output_max: float) -> np.ndarray:
    lo, hi = _F(input_min), _F(input_max)
    step = (hi - lo) / _F(STEPS)
    half_step = step / _F(2)
    scale = _F(65536) / (_F(output_max) - _F(output_min))

    def clamp(v: float) -> int:
        return int(min(max(v, -32768.0), 32767.0))

    table = np.zeros(STEPS + 1, dtype=np.int16)
    for i in range(STEPS):
        x = lo + _F(i) * step
        val, mid, nxt = f(x), f(x + half_step), f(lo + _F(i + 1) * step)
        sample = round_half_away(val * scale)
        interpolated = round_half_away((nxt * scale + _F(sample)) / _F(2))
        midpoint_error = interpolated - round_half_away(mid * scale)
        table[i] = clamp(sample - round_half_away(_F(midpoint_error) / _F(2)))
    table[STEPS] = clamp(round_half_away(f(hi) * scale))
    return table


def softmax_exp_table() -> np.ndarray:
    """exp over [-10, 0] (exp(-10) counts as nothing in the sum), Q0.15."""
    return int16_lut(expf, -10.0, 0.0, -1.0, 1.0)


def softmax_one_over_one_plus_x_table() -> np.ndarray:
    return int16_lut(one_over_one_plus_x, 0.0, 1.0, -1.0, 1.0)
