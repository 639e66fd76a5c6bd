"""Operators that only pick input elements: SLICE, STRIDED_SLICE, TRANSPOSE, SPACE_TO_DEPTH,
DEPTH_TO_SPACE (one output) and SPLIT, SPLIT_V, UNPACK (several), any element type.

Where every output is one contiguous run of the input (`toolchain.model.views`), nothing runs: the
planner places the outputs inside the input's bytes (a memmove only when it could not). Otherwise a
strided copy (one output) or a split copy (several) moves the bytes; no value is ever rescaled,
exactly as TFLM copies raw values whatever the quantization."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import Kernel, KernelCall, TensorData
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator
from toolchain.model.views import View, data_input, views

RANK = 6
MAX_OUTPUTS = 32  # TL_SPLIT_MAX_OUTPUTS in split.h
TYPES = ("int8", "int16", "int32", "float32")  # the types TFLM runs each operator in, per row


def _element_bytes(graph: Graph, index: int) -> int:
    t = graph.tensors[index]
    return t.nbytes // max(t.num_elements, 1)


def strided_copy(graph: Graph, op: Operator, source: int, view: View) -> KernelCall:
    v = view.simplified()
    if len(v.dims) > RANK:
        raise UnsupportedError(f"operator {op.index} {op.op}: the copy needs {len(v.dims)} dims (at most {RANK})")
    lead = RANK - len(v.dims)
    return KernelCall(params={"elem_bytes": _element_bytes(graph, source), "offset": v.offset,
                              "dims": [1] * lead + list(v.dims), "strides": [0] * lead + list(v.strides)},
                      inputs=(source,), outputs=(op.outputs[0],))


def _split_copy(graph: Graph, op: Operator, source: int, found: list[View]) -> KernelCall:
    if len(found) > MAX_OUTPUTS:
        raise UnsupportedError(f"operator {op.index} {op.op}: {len(found)} outputs (at most {MAX_OUTPUTS})")
    in_shape = graph.tensors[source].shape
    axis = next(k for k in range(len(in_shape)) if any(v.dims[k] != in_shape[k] for v in found))
    outer = int(np.prod(in_shape[:axis], dtype=np.int64))
    return KernelCall(params={"outer": outer, "num_outputs": len(found),
                              "row_bytes": [graph.tensors[i].nbytes // max(outer, 1) for i in op.outputs],
                              "outputs": [TensorData(i) for i in op.outputs]},
                      inputs=(source,), outputs=())


def build(graph: Graph, op: Operator) -> KernelCall:
    found = views(graph, op)
    source = data_input(op)
    if all(v.contiguous() for v in found):
        element = _element_bytes(graph, source)
        return KernelCall(params={}, inputs=(source,), outputs=tuple(op.outputs), in_place_of_input=True,
                          output_offsets=tuple(v.offset * element if v.count else 0 for v in found))
    if len(found) == 1:
        return strided_copy(graph, op, source, found[0])
    return _split_copy(graph, op, source, found)


def _row(op: str, types: tuple[str, ...], multi: bool = False) -> Kernel:
    if multi:
        return Kernel(op=op, types=types, function="tl_split", c_file="kernels/split.c",
                      header="kernels/split.h", build=build, runtime=())
    return Kernel(op=op, types=types, function="tl_strided_copy", c_file="kernels/strided_copy.c",
                  header="kernels/strided_copy.h", build=build, runtime=())


KERNELS = [
    _row("SLICE", tuple(f"{t},*,*->{t}" for t in TYPES)),
    _row("STRIDED_SLICE", tuple(f"{t},int32,int32,int32->{t}" for t in TYPES)),
    _row("TRANSPOSE", tuple(f"{t},int32->{t}" for t in ("int8", "int16", "float32"))),
    _row("SPACE_TO_DEPTH", tuple(f"{t}->{t}" for t in ("int8", "float32"))),
    _row("DEPTH_TO_SPACE", tuple(f"{t}->{t}" for t in ("int8", "float32"))),
    _row("SPLIT", tuple(f"int32,{t}->{t}*" for t in TYPES), multi=True),
    _row("SPLIT_V", tuple(f"{t},int32,int32->{t}*" for t in TYPES), multi=True),
    _row("UNPACK", tuple(f"{t}->{t}*" for t in TYPES), multi=True),
]
