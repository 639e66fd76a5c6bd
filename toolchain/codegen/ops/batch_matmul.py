"""BATCH_MATMUL (int8, int16 16x16, float32; ranks 2..5, broadcast batch dims, adj_x / adj_y) with
TFLM's Prepare checks: equal input types, symmetric int16, per-tensor multiplier from the float32
product of the input scales, no fused activation (the whole output range)."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._common import require_symmetric_int16
from toolchain.codegen.params import product_scale_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator
from toolchain.model.views import row_major_strides

BATCH_DIMS = 3


def geometry(graph: Graph, op: Operator) -> dict:
    lhs, rhs, out = (graph.tensors[i] for i in (*op.inputs[:2], op.outputs[0]))
    if not (2 <= len(lhs.shape) <= 5 and 2 <= len(rhs.shape) <= 5):
        raise UnsupportedError(f"operator {op.index} BATCH_MATMUL: ranks of {lhs.describe()} and {rhs.describe()} "
                               f"must be 2..5 (as TFLM)")
    rank = max(len(lhs.shape), len(rhs.shape))
    lshape = (1,) * (rank - len(lhs.shape)) + tuple(lhs.shape)
    rshape = (1,) * (rank - len(rhs.shape)) + tuple(rhs.shape)
    adj_x, adj_y = bool(op.options.get("adj_x", False)), bool(op.options.get("adj_y", False))
    rows, depth = (lshape[-1], lshape[-2]) if adj_x else (lshape[-2], lshape[-1])
    rhs_depth, cols = (rshape[-1], rshape[-2]) if adj_y else (rshape[-2], rshape[-1])
    batch = []
    for a, b in zip(lshape[:-2], rshape[:-2]):
        if a != b and 1 not in (a, b):
            raise UnsupportedError(f"operator {op.index} BATCH_MATMUL: batch dims of {lhs.describe()} and "
                                   f"{rhs.describe()} do not broadcast")
        batch.append(max(a, b))
    want = tuple(batch) + (rows, cols)
    if depth != rhs_depth or tuple(out.shape) != want:
        raise UnsupportedError(f"operator {op.index} BATCH_MATMUL: {lhs.describe()} x {rhs.describe()} "
                               f"(adj_x={adj_x}, adj_y={adj_y}) does not give {out.describe()}")
    lstrides, rstrides = row_major_strides(lshape), row_major_strides(rshape)
    lead = BATCH_DIMS - len(batch)

    def batch_strides(shape, strides):
        return [0] * lead + [s if d != 1 else 0 for d, s in zip(shape[:-2], strides[:-2])]

    return {"batch": [1] * lead + batch,
            "lhs_batch_stride": batch_strides(lshape, lstrides), "rhs_batch_stride": batch_strides(rshape, rstrides),
            "rows": rows, "cols": cols, "depth": depth,
            "lhs_row_stride": 1 if adj_x else depth, "lhs_depth_stride": rows if adj_x else 1,
            "rhs_depth_stride": 1 if adj_y else cols, "rhs_col_stride": depth if adj_y else 1}


def _multiplier(graph: Graph, op: Operator) -> dict:
    lhs, rhs, out = (graph.tensors[i] for i in (*op.inputs[:2], op.outputs[0]))
    if rhs.quant is not None and rhs.quant.per_channel:
        raise UnsupportedError(f"operator {op.index} BATCH_MATMUL: per-channel quantization is not supported")
    multiplier, shift = product_scale_multiplier(scale_of(lhs), scale_of(rhs), scale_of(out))
    return {"multiplier": multiplier, "shift": shift}


def _call(op: Operator, params: dict) -> KernelCall:
    return KernelCall(params=params, inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    lhs, rhs, out = (graph.tensors[i] for i in (*op.inputs[:2], op.outputs[0]))
    return _call(op, {"g": geometry(graph, op), "lhs_offset": -zero_point_of(lhs), "rhs_offset": -zero_point_of(rhs),
                      "output_offset": zero_point_of(out), **_multiplier(graph, op)})


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    lhs, rhs, out = (graph.tensors[i] for i in (*op.inputs[:2], op.outputs[0]))
    require_symmetric_int16(op, lhs, out)
    require_symmetric_int16(op, rhs, out)
    return _call(op, {"g": geometry(graph, op), **_multiplier(graph, op)})


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return _call(op, {"g": geometry(graph, op)})


KERNELS = [
    Kernel(op="BATCH_MATMUL", types=(f"{t},{t}->{t}",), function=f"tl_batch_matmul_{suffix}",
           c_file=f"kernels/batch_matmul_{suffix}.c", header="kernels/batch_matmul.h", build=builder,
           runtime=() if suffix == "f32" else ("tl_quant.h", "tl_quant.c"))
    for t, suffix, builder in (("int8", "int8", build_int8), ("int16", "int16", build_int16),
                               ("float32", "f32", build_f32))
]
