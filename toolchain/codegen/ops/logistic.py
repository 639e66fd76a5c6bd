"""LOGISTIC: int8 (TFLM's Q4.27 fixed-point path; output scale 1/256, zero point -128) and float32."""
from __future__ import annotations

import math

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.params import f32, round_half_away, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

INPUT_INTEGER_BITS = 4


def fixed_point_input(graph: Graph, op: Operator) -> dict[str, int]:
    """What TFLM's Prepare computes for int8 LOGISTIC and TANH: the input scale times 2^27 as a
    Q31 multiplier (frexp, no renormalisation) with a left shift, and the input radius beyond which
    the output saturates."""
    inp = graph.tensors[op.inputs[0]]
    real = float(f32(scale_of(inp))) * float(1 << (31 - INPUT_INTEGER_BITS))
    significand, left_shift = math.frexp(real)
    multiplier = round_half_away(significand * (1 << 31))
    if multiplier >= 1 << 31:
        raise UnsupportedError(f"operator {op.index} {op.op}: input scale {scale_of(inp)} overflows TFLM's multiplier")
    radius = math.floor(((1 << INPUT_INTEGER_BITS) - 1) * float(1 << (31 - INPUT_INTEGER_BITS))
                        / 2.0 ** left_shift)
    return {"count": inp.num_elements, "input_zero_point": zero_point_of(inp), "input_range_radius": int(radius),
            "input_multiplier": multiplier, "input_left_shift": left_shift}


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params=fixed_point_input(graph, op), inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="LOGISTIC", types=("int8->int8",), function="tl_logistic_int8", c_file="kernels/logistic_int8.c",
           header="kernels/activations.h", build=build_int8),
    Kernel(op="LOGISTIC", types=("float32->float32",), function="tl_logistic_f32", c_file="kernels/logistic_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
]
