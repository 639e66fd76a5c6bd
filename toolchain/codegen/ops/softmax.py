"""SOFTMAX: int8 -> int8 (output scale 1/256, zero point -128, as TFLM requires), int8 -> int16
(1/65536, -32768), int16 -> int16 (1/32768, 0; TFLM's two interpolated tables) and float32."""
from __future__ import annotations

import math

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Float32, Kernel, KernelCall
from toolchain.codegen.ops._int16_lut import softmax_exp_table, softmax_one_over_one_plus_x_table
from toolchain.codegen.params import (f32, quantize_multiplier, quantize_multiplier_greater_than_one, scale_of,
                                      zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

SCALED_DIFF_INTEGER_BITS = 5


def _require_scale_near(op: Operator, out, scale: float, zero_point: int) -> None:
    """TFLM's TF_LITE_ENSURE_NEAR on the output scale (tolerance 0.1 %, float arithmetic)."""
    actual, wanted = np.float32(scale_of(out)), np.float32(scale)
    if zero_point_of(out) != zero_point or abs(actual - wanted) > np.float32(0.001) * wanted:
        raise UnsupportedError(f"operator {op.index} SOFTMAX: {out.dtype} output must have scale {scale:.6g} "
                               f"and zero point {zero_point}")


def _rows_and_depth(inp, op: Operator) -> tuple[int, int]:
    if not inp.shape:
        raise UnsupportedError(f"operator {op.index} SOFTMAX: scalar input")
    return inp.num_elements // inp.shape[-1], inp.shape[-1]


def int8_input_params(graph: Graph, op: Operator) -> dict:
    """Prepare for int8 input: beta * input_scale in Q5.26 steps as a multiplier above one, and the
    most negative difference whose exp still counts."""
    inp = graph.tensors[op.inputs[0]]
    rows, depth = _rows_and_depth(inp, op)
    beta = float(f32(op.options.get("beta", 1.0)))
    real = min(beta * float(f32(scale_of(inp))) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    multiplier, left_shift = quantize_multiplier_greater_than_one(real)
    radius = math.floor(((1 << SCALED_DIFF_INTEGER_BITS) - 1) * (1 << (31 - SCALED_DIFF_INTEGER_BITS))
                        / (1 << left_shift))
    return {"rows": rows, "depth": depth, "input_multiplier": multiplier, "input_left_shift": left_shift,
            "diff_min": -radius}


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    out = graph.tensors[op.outputs[0]]
    if zero_point_of(out) != -128 or f32(scale_of(out)) != f32(1.0 / 256):
        raise UnsupportedError(f"operator {op.index} SOFTMAX: int8 output must have scale 1/256 and zero point -128")
    return KernelCall(params=int8_input_params(graph, op), inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_int8_int16(graph: Graph, op: Operator) -> KernelCall:
    _require_scale_near(op, graph.tensors[op.outputs[0]], 1.0 / 65536, -32768)
    return KernelCall(params=int8_input_params(graph, op), inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    """Prepare for int16: input_scale * beta / (10 / 65535) (so a difference of -65535 steps is
    exp(-10)) as an any-sign multiplier, and TFLM's two tables. int16 activations are symmetric:
    TFLM refuses an input zero point other than 0."""
    inp = graph.tensors[op.inputs[0]]
    if zero_point_of(inp) != 0:
        raise UnsupportedError(f"operator {op.index} SOFTMAX: int16 input zero point must be 0")
    _require_scale_near(op, graph.tensors[op.outputs[0]], 1.0 / 32768, 0)
    rows, depth = _rows_and_depth(inp, op)
    beta = float(f32(op.options.get("beta", 1.0)))
    multiplier, shift = quantize_multiplier(float(f32(scale_of(inp))) * beta / (10.0 / 65535.0))
    return KernelCall(
        params={"rows": rows, "depth": depth, "input_multiplier": multiplier, "input_shift": shift,
                "exp_table": ConstArray("exp_table", "int16", softmax_exp_table()),
                "one_over_one_plus_x_table": ConstArray("one_over_one_plus_x_table", "int16",
                                                        softmax_one_over_one_plus_x_table())},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    rows, depth = _rows_and_depth(graph.tensors[op.inputs[0]], op)
    return KernelCall(params={"rows": rows, "depth": depth, "beta": Float32(op.options.get("beta", 1.0))},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


# The fixed-point steps both int8-input kernels share, beside the quantization arithmetic.
INT8_STEPS = ("tl_quant.h", "tl_quant.c", "kernels/softmax_int8_steps.h")

KERNELS = [
    Kernel(op="SOFTMAX", types=("int8->int8",), function="tl_softmax_int8", c_file="kernels/softmax_int8.c",
           header="kernels/softmax.h", build=build_int8, runtime=INT8_STEPS),
    Kernel(op="SOFTMAX", types=("int8->int16",), function="tl_softmax_int8_int16",
           c_file="kernels/softmax_int8_int16.c", header="kernels/softmax.h", build=build_int8_int16,
           runtime=INT8_STEPS),
    Kernel(op="SOFTMAX", types=("int16->int16",), function="tl_softmax_int16", c_file="kernels/softmax_int16.c",
           header="kernels/softmax.h", build=build_int16),
    Kernel(op="SOFTMAX", types=("float32->float32",), function="tl_softmax_f32", c_file="kernels/softmax_f32.c",
           header="kernels/softmax.h", build=build_f32, runtime=()),
]
