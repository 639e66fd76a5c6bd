"""TANH: int8 (TFLM's Q4.27 fixed-point path, as a table; output scale 1/128, zero point 0) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import tanh_q31
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.ops.logistic import build_f32, fixed_point_input
from toolchain.model.graph import Graph, Operator


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    return lookup_call(graph, op, fixed_point_input(graph, op, tanh_q31, 24, 0))


KERNELS = [
    lookup_row("TANH", build_int8),
    Kernel(op="TANH", types=("float32->float32",), function="tl_tanh_f32", c_file="kernels/tanh_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
]
