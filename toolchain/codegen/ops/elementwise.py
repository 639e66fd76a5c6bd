"""Elementwise math, as TFLM's elementwise kernels: ABS (int8 table, int16 rescale, float32),
RSQRT (int8 table of TFLM's fixed-point inverse square root, int16 computed per value, float32), and float32 NEG, SQRT, EXP,
LOG, FLOOR (TFLM runs those in float32 only)."""
from __future__ import annotations

import math

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import (INT32_MAX, multiply_by_quantized_multiplier,
                                                saturating_rounding_mul_by_pot, wrap32)
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.params import f32, quantize_multiplier, sat_rounding_doubling_high_mul, scale_of, zero_point_of
from toolchain.codegen.ops._common import require_symmetric_int16
from toolchain.model.graph import Graph, Operator

RSQRT_HEADROOM_SHIFT = 20  # TFLM keeps the reciprocal root's integer part with 20 extra bits


def _scales(graph: Graph, op: Operator) -> tuple[float, float]:
    return float(f32(scale_of(graph.tensors[op.inputs[0]]))), float(f32(scale_of(graph.tensors[op.outputs[0]])))


def build_abs_int8(graph: Graph, op: Operator) -> KernelCall:
    in_scale, out_scale = _scales(graph, op)
    in_zp, out_zp = zero_point_of(graph.tensors[op.inputs[0]]), zero_point_of(graph.tensors[op.outputs[0]])
    multiplier, shift = quantize_multiplier(in_scale / out_scale)

    def value(q: int) -> int:
        magnitude = abs(q - in_zp)
        if in_scale == out_scale:
            return magnitude + out_zp
        return multiply_by_quantized_multiplier(magnitude, multiplier, shift) + out_zp

    return lookup_call(graph, op, value)


def build_abs_int16(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    require_symmetric_int16(op, inp, out)
    in_scale, out_scale = _scales(graph, op)
    multiplier, shift = quantize_multiplier(in_scale / out_scale)
    return KernelCall(params={"count": inp.num_elements, "needs_rescale": int(in_scale != out_scale),
                              "multiplier": multiplier, "shift": shift},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def inverse_sqrt_multiplier(x: int) -> tuple[int, int]:
    """TFLM's 1/sqrt(x) of an integer x as (Q31 multiplier, left shift): x normalised into
    [2^27, 2^29) by bit pairs, five Newton-Raphson steps in Q3.28 from 1, times sqrt(2)/2."""
    if x <= 1:  # 1 (and 0, and TFLM-invalid negatives) give the largest multiplier
        return INT32_MAX, 0
    shift = 11
    while x >= 1 << 29:
        x //= 4
        shift += 1
    pairs = ((32 - x.bit_length()) - 1) // 2 - 1
    shift -= pairs
    x <<= 2 * pairs
    half_input = saturating_rounding_mul_by_pot(x >> 1, -1)
    half_three = (1 << 28) + (1 << 27)
    root = 1 << 28  # 1.0 in Q3.28
    for _ in range(5):
        cube = saturating_rounding_mul_by_pot(
            sat_rounding_doubling_high_mul(sat_rounding_doubling_high_mul(root, root), root), 6)
        root = saturating_rounding_mul_by_pot(
            wrap32(sat_rounding_doubling_high_mul(half_three, root) - sat_rounding_doubling_high_mul(half_input, cube)), 3)
    root = sat_rounding_doubling_high_mul(root, 1518500250)  # sqrt(2)/2 in Q0.31
    if shift < 0:
        root = wrap32(root << -shift)
        shift = 0
    return root, -shift


def _rsqrt_multiplier(graph: Graph, op: Operator) -> tuple[int, int]:
    in_scale, out_scale = _scales(graph, op)
    return quantize_multiplier(1.0 / (math.sqrt(in_scale) * out_scale))


def build_rsqrt_int16(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    require_symmetric_int16(op, inp, out)
    multiplier, shift = _rsqrt_multiplier(graph, op)
    return KernelCall(params={"count": inp.num_elements, "multiplier": multiplier, "shift": shift},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_rsqrt_int8(graph: Graph, op: Operator) -> KernelCall:
    in_zp, out_zp = zero_point_of(graph.tensors[op.inputs[0]]), zero_point_of(graph.tensors[op.outputs[0]])
    multiplier, shift = _rsqrt_multiplier(graph, op)

    def value(q: int) -> int:
        """Inputs below the zero point stop TFLM's interpreter with an error; they get the same
        arithmetic here."""
        x = q - in_zp
        if x == 0:
            return 127
        root_multiplier, root_shift = inverse_sqrt_multiplier(x)
        root = multiply_by_quantized_multiplier(1, root_multiplier, root_shift + RSQRT_HEADROOM_SHIFT)
        return multiply_by_quantized_multiplier(root, multiplier, shift - RSQRT_HEADROOM_SHIFT) + out_zp

    return lookup_call(graph, op, value)


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def float_row(op: str) -> Kernel:
    name = op.lower()
    return Kernel(op=op, types=("float32->float32",), function=f"tl_{name}_f32", c_file=f"kernels/{name}_f32.c",
                  header="kernels/elementwise_f32.h", build=build_f32, runtime=())


KERNELS = [
    lookup_row("ABS", build_abs_int8),
    Kernel(op="ABS", types=("int16->int16",), function="tl_abs_int16", c_file="kernels/abs_int16.c",
           header="kernels/abs.h", build=build_abs_int16),
    lookup_row("RSQRT", build_rsqrt_int8),
    Kernel(op="RSQRT", types=("int16->int16",), function="tl_rsqrt_int16", c_file="kernels/rsqrt_int16.c",
           header="kernels/abs.h", build=build_rsqrt_int16),
    *(float_row(op) for op in ("ABS", "RSQRT", "NEG", "SQRT", "EXP", "LOG", "FLOOR")),
]
