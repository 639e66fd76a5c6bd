"""TILE: the input repeated `multiples` times along each axis, raw values copied (the element
types LiteRT's reference kernel takes: int8, int32, float32; it refuses int16). TFLM has no TILE kernel, so the
reference is LiteRT's BUILTIN_REF interpreter.

Output element (j0, j1, ...) is input element (j0 mod d0, j1 mod d1, ...): splitting every output
axis into (repeat, d_k) makes the output a strided view of the input with stride 0 along each repeat,
so TILE runs the strided copy of the slicing operators."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops.slicing import strided_copy
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator
from toolchain.model.views import View, row_major_strides

LITERT_REFERENCE = "LiteRT BUILTIN_REF"


def build(graph: Graph, op: Operator) -> KernelCall:
    inp, multiples_tensor = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]]
    if not multiples_tensor.is_constant:
        raise UnsupportedError(f"operator {op.index} TILE: the multiples must be a constant tensor")
    multiples = [int(m) for m in multiples_tensor.data.reshape(-1)]
    out_shape = tuple(graph.tensors[op.outputs[0]].shape)
    if len(multiples) != len(inp.shape) or out_shape != tuple(m * d for m, d in zip(multiples, inp.shape)):
        raise UnsupportedError(f"operator {op.index} TILE: multiples {multiples} do not turn {list(inp.shape)} "
                               f"into {list(out_shape)}")
    dims, strides = [], []
    for repeat, size, stride in zip(multiples, inp.shape, row_major_strides(tuple(inp.shape))):
        dims += [repeat, size]
        strides += [0, stride]
    return strided_copy(graph, op, op.inputs[0], View(0, tuple(dims), tuple(strides)))


KERNELS = [
    Kernel(op="TILE", types=tuple(f"{t},{m}->{t}" for t in ("int8", "int32", "float32")
                                  for m in ("int32", "int64")),
           function="tl_strided_copy", c_file="kernels/strided_copy.c", header="kernels/strided_copy.h",
           build=build, runtime=(), reference=LITERT_REFERENCE),
]
