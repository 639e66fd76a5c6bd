"""TANH: int8 (TFLM's Q4.27 fixed-point path, as a table; output scale 1/128, zero point 0), int16
(TFLM's interpolated sigmoid table, tanh(x) = 2 sigmoid(2x) - 1; output scale 2^-15) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import tanh_q31
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.ops._sigmoid_table import table_call_params
from toolchain.codegen.ops.logistic import build_f32, fixed_point_input
from toolchain.model.graph import Graph, Operator


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    return lookup_call(graph, op, fixed_point_input(graph, op, tanh_q31, 24, 0))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    # TFLM takes the power-of-two shortcut for TANH at input scales 2^-12 and 2^-11
    return KernelCall(params=table_call_params(graph, op, (0, 1)), inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    lookup_row("TANH", build_int8),
    Kernel(op="TANH", types=("int16->int16",), function="tl_tanh_int16", c_file="kernels/tanh_int16.c",
           header="kernels/sigmoid_table.h", build=build_int16, runtime=()),
    Kernel(op="TANH", types=("float32->float32",), function="tl_tanh_f32", c_file="kernels/tanh_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
]
