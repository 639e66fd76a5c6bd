"""LOGISTIC: int8 (TFLM's Q4.27 fixed-point path, as a table; output scale 1/256, zero point -128),
int16 (TFLM's interpolated sigmoid table; output scale 2^-15) and float32."""
from __future__ import annotations

import math

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import logistic_q31, multiply_by_quantized_multiplier
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.ops._sigmoid_table import table_call_params
from toolchain.codegen.params import f32, round_half_away, rounding_divide_by_pot, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

INPUT_INTEGER_BITS = 4


def fixed_point_input(graph: Graph, op: Operator, q31_function, output_shift: int, output_offset: int):
    """The per-value function of TFLM's int8 LOGISTIC / TANH. Prepare: the input scale times 2^27
    as a Q31 multiplier (frexp, no renormalisation) with a left shift, and the radius beyond which
    the output saturates; per value: rescale to Q4.27, the Q0.31 function, a rounding shift."""
    inp = graph.tensors[op.inputs[0]]
    real = float(f32(scale_of(inp))) * float(1 << (31 - INPUT_INTEGER_BITS))
    significand, left_shift = math.frexp(real)
    multiplier = round_half_away(significand * (1 << 31))
    if multiplier >= 1 << 31:
        raise UnsupportedError(f"operator {op.index} {op.op}: input scale {scale_of(inp)} overflows TFLM's multiplier")
    radius = math.floor(((1 << INPUT_INTEGER_BITS) - 1) * float(1 << (31 - INPUT_INTEGER_BITS))
                        / 2.0 ** left_shift)
    zero_point = zero_point_of(inp)

    def value(q: int) -> int:
        x = q - zero_point
        if x <= -radius:
            return -128
        if x >= radius:
            return 127
        x_q4 = multiply_by_quantized_multiplier(x, multiplier, left_shift)
        return rounding_divide_by_pot(q31_function(x_q4), output_shift) + output_offset

    return value


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    out = graph.tensors[op.outputs[0]]
    if zero_point_of(out) != -128:  # the output is always written as 1/256 steps from -128
        raise UnsupportedError(f"operator {op.index} LOGISTIC: int8 output zero point must be -128, "
                               f"not {zero_point_of(out)} (TFLM rejects it too)")
    return lookup_call(graph, op, fixed_point_input(graph, op, logistic_q31, 23, -128))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    # TFLM takes the power-of-two shortcut for LOGISTIC only at input scale 2^-12
    return KernelCall(params=table_call_params(graph, op, (0,)), inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    lookup_row("LOGISTIC", build_int8),
    Kernel(op="LOGISTIC", types=("int16->int16",), function="tl_logistic_int16", c_file="kernels/logistic_int16.c",
           header="kernels/sigmoid_table.h", build=build_int16, runtime=()),
    Kernel(op="LOGISTIC", types=("float32->float32",), function="tl_logistic_f32", c_file="kernels/logistic_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
]
