"""SOFTMAX: int8 -> int8 (output scale 1/256, zero point -128, as TFLM requires) and float32."""
from __future__ import annotations

import math

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.params import f32, quantize_multiplier_greater_than_one, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

SCALED_DIFF_INTEGER_BITS = 5


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if zero_point_of(out) != -128 or f32(scale_of(out)) != f32(1.0 / 256):
        raise UnsupportedError(f"operator {op.index} SOFTMAX: int8 output must have scale 1/256 and zero point -128")
    if not inp.shape:
        raise UnsupportedError(f"operator {op.index} SOFTMAX: scalar input")
    depth = inp.shape[-1]
    beta = float(f32(op.options.get("beta", 1.0)))
    real = min(beta * float(f32(scale_of(inp))) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    multiplier, left_shift = quantize_multiplier_greater_than_one(real)
    radius = math.floor(((1 << SCALED_DIFF_INTEGER_BITS) - 1) * (1 << (31 - SCALED_DIFF_INTEGER_BITS))
                        / (1 << left_shift))
    return KernelCall(
        params={"rows": inp.num_elements // depth, "depth": depth, "input_multiplier": multiplier,
                "input_left_shift": left_shift, "diff_min": -radius},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    inp = graph.tensors[op.inputs[0]]
    if not inp.shape:
        raise UnsupportedError(f"operator {op.index} SOFTMAX: scalar input")
    depth = inp.shape[-1]
    return KernelCall(params={"rows": inp.num_elements // depth, "depth": depth,
                              "beta": Float32(op.options.get("beta", 1.0))},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="SOFTMAX", types=("int8->int8",), function="tl_softmax_int8", c_file="kernels/softmax_int8.c",
           header="kernels/softmax.h", build=build_int8),
    Kernel(op="SOFTMAX", types=("float32->float32",), function="tl_softmax_f32", c_file="kernels/softmax_f32.c",
           header="kernels/softmax.h", build=build_f32, runtime=()),
]
