"""ARG_MAX and ARG_MIN: int8 and float32 inputs, int32 indices (what TFLM runs), one constant axis."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._common import constant_input
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def build(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    axes = constant_input(graph, op, 1, "axis").data.reshape(-1)
    rank = len(inp.shape)
    if axes.size != 1 or not -rank <= int(axes[0]) < rank:
        raise UnsupportedError(f"operator {op.index} {op.op}: axis {axes.tolist()} does not fit {inp.describe()}")
    axis = int(axes[0]) % rank
    if out.num_elements != inp.num_elements // max(inp.shape[axis], 1):
        raise UnsupportedError(f"operator {op.index} {op.op}: output {out.describe()} does not match the reduction")
    return KernelCall(params={"outer": int(np.prod(inp.shape[:axis], dtype=np.int64)), "axis_size": inp.shape[axis],
                              "inner": int(np.prod(inp.shape[axis + 1:], dtype=np.int64)),
                              "take_max": int(op.op == "ARG_MAX")},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op=name, types=(f"{dtype},int32->int32", f"{dtype},int64->int32"), function=f"tl_arg_min_max_{suffix}",
           c_file=f"kernels/arg_min_max_{suffix}.c", header="kernels/arg_min_max.h", build=build, runtime=())
    for name in ("ARG_MAX", "ARG_MIN") for dtype, suffix in (("int8", "int8"), ("float32", "f32"))
]
