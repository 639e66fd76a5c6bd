"""MEAN over any axes, keep_dims or not, rank <= 6: int8 and int16 (TFLM's integer mean) and float32."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._common import constant_input
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

RANK = 6


def reduction_shape(graph: Graph, op: Operator) -> dict:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    rank = len(inp.shape)
    axes = constant_input(graph, op, 1, "axes").data.astype(np.int64).reshape(-1)
    if rank > RANK or any(not -rank <= a < rank for a in axes):
        raise UnsupportedError(f"operator {op.index} {op.op}: axes {axes.tolist()} do not fit {inp.describe()}")
    reduced = sorted({int(a) % rank for a in axes})
    kept = [d for i, d in enumerate(inp.shape) if i not in reduced]
    num_outputs = int(np.prod(kept, dtype=np.int64))
    if out.num_elements != num_outputs:
        raise UnsupportedError(f"operator {op.index} {op.op}: output {out.describe()} does not match the reduction")
    out_strides, step = [0] * rank, 1
    for axis in range(rank - 1, -1, -1):
        if axis not in reduced:
            out_strides[axis] = step
            step *= inp.shape[axis]
    lead = [1] * (RANK - rank)
    return {"in_dims": lead + list(inp.shape), "out_strides": [0] * (RANK - rank) + out_strides,
            "num_outputs": num_outputs,
            "num_reduced": int(np.prod([inp.shape[a] for a in reduced], dtype=np.int64))}


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """TFLM's fixed-point input_scale / output_scale / count: the scale ratio's (M, s) with M
    stretched by 2^k (k = floor(log2 count), at most 32 and at most 31 + s) and divided by count."""
    multiplier, shift = quantize_multiplier(float(f32(input_scale)) / float(f32(output_scale)))
    k = min(count.bit_length() - 1, 32, 31 + shift)
    return int((multiplier << k) // count), shift - k


def build_quantized(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    shape = reduction_shape(graph, op)
    if shape["num_reduced"] < 1:
        raise UnsupportedError(f"operator {op.index} MEAN: empty reduction")
    multiplier, shift = mean_multiplier(scale_of(inp), scale_of(out), shape["num_reduced"])
    return KernelCall(
        params={"shape": shape, "input_zero_point": zero_point_of(inp), "output_zero_point": zero_point_of(out),
                "multiplier": multiplier, "shift": shift},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],), scratch_bytes=4 * shape["num_outputs"])


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    shape = reduction_shape(graph, op)
    return KernelCall(params={"shape": shape}, inputs=(op.inputs[0],), outputs=(op.outputs[0],),
                      scratch_bytes=4 * shape["num_outputs"])


KERNELS = [
    Kernel(op="MEAN", types=("int8,int32->int8",), function="tl_mean_int8", c_file="kernels/mean_int8.c",
           header="kernels/mean.h", build=build_quantized),
    Kernel(op="MEAN", types=("int16,int32->int16",), function="tl_mean_int16", c_file="kernels/mean_int16.c",
           header="kernels/mean.h", build=build_quantized),
    Kernel(op="MEAN", types=("float32,int32->float32",), function="tl_mean_f32", c_file="kernels/mean_f32.c",
           header="kernels/mean.h", build=build_f32, runtime=()),
]
