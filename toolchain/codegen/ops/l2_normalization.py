"""L2_NORMALIZATION over the innermost dimension: int8 (output scale 1/128 and zero point 0, as
TFLM requires) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.params import f32, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def _rows(graph: Graph, op: Operator) -> dict:
    inp = graph.tensors[op.inputs[0]]
    if not inp.shape or inp.shape[-1] == 0 or len(inp.shape) > 4:
        raise UnsupportedError(f"operator {op.index} L2_NORMALIZATION: needs rank 1..4 (TFLM's limit) and a "
                               f"non-empty last dimension, got {inp.describe()}")
    return {"rows": inp.num_elements // inp.shape[-1], "depth": inp.shape[-1]}


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    out = graph.tensors[op.outputs[0]]
    if f32(scale_of(out)) != f32(1 / 128) or zero_point_of(out) != 0:
        raise UnsupportedError(f"operator {op.index} L2_NORMALIZATION: int8 output must have scale 1/128 and zero "
                               f"point 0 (TFLM requires it)")
    return KernelCall(params={**_rows(graph, op), "input_zero_point": zero_point_of(graph.tensors[op.inputs[0]])},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params=_rows(graph, op), inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="L2_NORMALIZATION", types=("int8->int8",), function="tl_l2_normalization_int8",
           c_file="kernels/l2_normalization_int8.c", header="kernels/l2_normalization.h", build=build_int8),
    Kernel(op="L2_NORMALIZATION", types=("float32->float32",), function="tl_l2_normalization_f32",
           c_file="kernels/l2_normalization_f32.c", header="kernels/l2_normalization.h", build=build_f32, runtime=()),
]
