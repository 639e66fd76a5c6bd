"""GELU int8 as LiteRT's 256-entry table (TFLM has no GELU kernel, so LiteRT's reference kernels are
the reference): each int8 input dequantized in single precision, through LiteRT's float transform
(exact: 0.5 x erfc(-x / sqrt 2); approximate: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))) with
the C library's erfcf/tanhf, then requantized as TFLM's table recipe. No float32 kernel: LiteRT
evaluates float GELU with Eigen's vectorised erf, which portable C does not reproduce bit for bit."""
from __future__ import annotations

import math

import numpy as np

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._libm import erfcf, tanhf
from toolchain.codegen.ops._lookup import lookup_call
from toolchain.codegen.ops.elu import float_table_value
from toolchain.codegen.ops.tile import LITERT_REFERENCE
from toolchain.model.graph import Graph, Operator

_HALF, _CUBIC = np.float32(0.5), np.float32(0.044715)
_MINUS_SQRT_HALF = np.float32(-math.sqrt(0.5))
_SQRT_2_OVER_PI = np.float32(2 / math.sqrt(math.pi) * math.sqrt(0.5))  # LiteRT's double product, then float


def _exact(x: np.float32) -> np.float32:
    return _HALF * x * erfcf(x * _MINUS_SQRT_HALF)


def _approximate(x: np.float32) -> np.float32:
    return _HALF * x * (np.float32(1) + tanhf(_SQRT_2_OVER_PI * (x + _CUBIC * x * x * x)))


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    transform = _approximate if op.options.get("approximate") else _exact
    return lookup_call(graph, op, float_table_value(graph, op, transform))


KERNELS = [
    Kernel(op="GELU", types=("int8->int8",), function="tl_lookup_int8", c_file="kernels/lookup_int8.c",
           header="kernels/lookup.h", build=build_int8, runtime=(), reference=LITERT_REFERENCE),
]
