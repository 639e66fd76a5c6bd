"""The host C library's single-precision math, for tables TFLM builds with it at Prepare time
(TFLM's own host build calls the same glibc functions)."""
from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

_LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")


def _float_function(name: str):
    function = getattr(_LIBM, name)
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float]
    return lambda x: np.float32(function(float(np.float32(x))))


expf = _float_function("expf")
roundf = _float_function("roundf")
logf = _float_function("logf")
erfcf = _float_function("erfcf")
tanhf = _float_function("tanhf")
