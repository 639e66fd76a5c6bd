"""int8 -> int8 elementwise operators as a 256-entry table: the value function runs here for every
input value, the device reads table[x + 128] (kernels/lookup_int8.c)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Kernel, KernelCall
from toolchain.model.graph import Graph, Operator


def lookup_call(graph: Graph, op: Operator, value: Callable[[int], int]) -> KernelCall:
    """`value(q)` is the operator's int8 output for int8 input q (clamped to int8 here)."""
    table = np.asarray([max(-128, min(127, value(q))) for q in range(-128, 128)], dtype=np.int8)
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements,
                              "table": ConstArray("table", "int8", table)},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def lookup_row(op: str, build: Callable[[Graph, Operator], KernelCall]) -> Kernel:
    return Kernel(op=op, types=("int8->int8",), function="tl_lookup_int8", c_file="kernels/lookup_int8.c",
                  header="kernels/lookup.h", build=build, runtime=())
