"""SHAPE: the input's dims are known at generation time; the kernel writes them (int32, as TFLM)."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Kernel, KernelCall
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def build(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if tuple(out.shape) != (len(inp.shape),):
        raise UnsupportedError(f"operator {op.index} SHAPE: output {out.describe()} cannot hold the "
                               f"{len(inp.shape)} dims of {inp.describe()}")
    dims = np.asarray(inp.shape, dtype=np.int32)
    return KernelCall(params={"bytes": out.nbytes, "values": ConstArray("dims", "int32", dims)},
                      inputs=(), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="SHAPE", types=("*->int32",), function="tl_shape", c_file="kernels/shape.c",
           header="kernels/shape.h", build=build, runtime=()),
]
