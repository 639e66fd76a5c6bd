"""Python values -> exact C99 literals (integers, hex floats, arrays)."""
from __future__ import annotations

import math

import numpy as np

from toolchain.errors import UnsupportedError

C_TYPES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "uint16": "uint16_t", "int32": "int32_t",
           "uint32": "uint32_t", "int64": "int64_t", "bool": "uint8_t", "float32": "float"}

# TFLite TensorType codes, as tl_io_info.dtype carries them.
DTYPE_CODES = {"float32": 0, "float16": 1, "int32": 2, "uint8": 3, "int64": 4, "bool": 6, "int16": 7,
               "int8": 9, "float64": 10, "uint32": 15, "uint16": 16}


def c_type(dtype: str) -> str:
    if dtype not in C_TYPES:
        raise UnsupportedError(f"tensor type {dtype} has no C type in the runtime")
    return C_TYPES[dtype]


def c_int(value: int) -> str:
    value = int(value)
    if value == -2**31:
        return "(-2147483647 - 1)"
    if value == -2**63:
        return "(-9223372036854775807LL - 1)"
    if not -2**31 <= value < 2**31:
        return f"{value}LL"
    return str(value)


def c_float(value: float) -> str:
    """A float32 value as a hex literal: exact, with no decimal rounding in the compiler (infinities
    and NaN as the C99 <math.h> macros)."""
    value = float(np.float32(value))
    if math.isnan(value):
        return "NAN"  # <math.h>; the payload of a NaN is not kept
    if math.isinf(value):
        return "INFINITY" if value > 0 else "(-INFINITY)"
    if value == 0.0:
        return "-0.0f" if math.copysign(1.0, value) < 0 else "0.0f"
    mantissa, _, exponent = value.hex().partition("p")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}p{exponent}f"


def c_array_body(values: np.ndarray, per_line: int = 16) -> str:
    flat = np.asarray(values).reshape(-1)
    if flat.dtype == np.float32 or flat.dtype == np.float64:
        items = [c_float(v) for v in flat.tolist()]
        per_line = 8
    elif flat.dtype == np.bool_:
        items = [str(int(v)) for v in flat.tolist()]
    else:
        items = [c_int(v) for v in flat.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return ",\n  ".join(lines)
