"""PRELU: int8, int16 with int8 alpha (TFLM's two-branch rescale, multipliers in double precision
from the float32 scales) and float32; alpha broadcasts against the input (TFLM: up to 4-D)."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._common import require_symmetric_int16
from toolchain.codegen.ops.maximum_minimum import BROADCAST_RUNTIME
from toolchain.codegen.params import broadcast, f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

MAX_RANK = 4


def _shape(graph: Graph, op: Operator) -> dict:
    ranks = [len(graph.tensors[i].shape) for i in (*op.inputs, *op.outputs)]
    if max(ranks) > MAX_RANK:
        raise UnsupportedError(f"operator {op.index} PRELU: TFLM broadcasts PRELU up to 4-D, got rank {max(ranks)}")
    return broadcast(graph, op)


def build_quantized(graph: Graph, op: Operator) -> KernelCall:
    inp, alpha = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]]
    out = graph.tensors[op.outputs[0]]
    if inp.dtype == "int16":
        require_symmetric_int16(op, inp, out)
    in_scale, alpha_scale, out_scale = (float(f32(scale_of(t))) for t in (inp, alpha, out))
    positive = quantize_multiplier(in_scale / out_scale)
    negative = quantize_multiplier(in_scale * alpha_scale / out_scale)
    return KernelCall(params={"shape": _shape(graph, op), "input_offset": -zero_point_of(inp),
                              "alpha_offset": -zero_point_of(alpha), "output_offset": zero_point_of(out),
                              "multiplier_positive": positive[0], "shift_positive": positive[1],
                              "multiplier_negative": negative[0], "shift_negative": negative[1]},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"shape": _shape(graph, op)}, inputs=(op.inputs[0], op.inputs[1]),
                      outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="PRELU", types=("int8,int8->int8",), function="tl_prelu_int8", c_file="kernels/prelu_int8.c",
           header="kernels/prelu.h", build=build_quantized, runtime=("tl_quant.h", "tl_quant.c", *BROADCAST_RUNTIME)),
    Kernel(op="PRELU", types=("int16,int8->int16",), function="tl_prelu_int16", c_file="kernels/prelu_int16.c",
           header="kernels/prelu.h", build=build_quantized, runtime=("tl_quant.h", "tl_quant.c", *BROADCAST_RUNTIME)),
    Kernel(op="PRELU", types=("float32,float32->float32",), function="tl_prelu_f32", c_file="kernels/prelu_f32.c",
           header="kernels/prelu.h", build=build_f32, runtime=("tl_quant.h", *BROADCAST_RUNTIME)),
]
