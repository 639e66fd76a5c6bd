"""GATHER (float32, int8 values; int32 positions, as TFLM): blocks after the axis chosen by position,
with batch dims. Bytes are copied, never rescaled."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def build(graph: Graph, op: Operator) -> KernelCall:
    inp, pos, out = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    rank, pos_rank = len(inp.shape), len(pos.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    batch_dims = int(op.options.get("batch_dims", 0))
    batch_dims = batch_dims + pos_rank if batch_dims < 0 else batch_dims
    if not (0 <= axis < rank and 0 <= batch_dims <= axis and batch_dims < rank and batch_dims <= pos_rank
            and inp.shape[:batch_dims] == pos.shape[:batch_dims]):
        raise UnsupportedError(f"operator {op.index} GATHER: axis {op.options.get('axis', 0)} / batch_dims "
                               f"{op.options.get('batch_dims', 0)} do not fit {inp.describe()} and positions "
                               f"{pos.describe()} (TFLM rejects them too)")
    want = inp.shape[:axis] + pos.shape[batch_dims:] + inp.shape[axis + 1:]
    if tuple(out.shape) != want:
        raise UnsupportedError(f"operator {op.index} GATHER: output {out.describe()} is not {list(want)}")
    if pos.is_constant and ((pos.data < 0) | (pos.data >= inp.shape[axis])).any():
        raise UnsupportedError(f"operator {op.index} GATHER: a constant position is outside [0, {inp.shape[axis]}) "
                               f"(TFLM fails the invoke)")
    element = inp.nbytes // max(inp.num_elements, 1)
    return KernelCall(params={"batch_size": int(np.prod(inp.shape[:batch_dims], dtype=np.int64)),
                              "outer_size": int(np.prod(inp.shape[batch_dims:axis], dtype=np.int64)),
                              "axis_size": inp.shape[axis],
                              "coord_size": int(np.prod(pos.shape[batch_dims:], dtype=np.int64)),
                              "inner_bytes": element * int(np.prod(inp.shape[axis + 1:], dtype=np.int64))},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="GATHER", types=tuple(f"{t},int32->{t}" for t in ("int8", "float32")), function="tl_gather",
           c_file="kernels/gather.c", header="kernels/gather.h", build=build, runtime=()),
]
