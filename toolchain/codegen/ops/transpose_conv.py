"""TRANSPOSE_CONV (int8 per-channel or per-tensor weights with int32 bias, 16x8 with int64 or int16
bias, float32; optional bias; SAME/VALID, strides). The output shape input must be constant and
match the output; padding is computed from the output size as TFLM's Prepare does. Quantized
kernels accumulate in arena scratch the size of the output (4 or 8 bytes per element, as TFLM)."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Float32, Kernel, KernelCall
from toolchain.codegen.ops._common import (constant_input, no_bias_or_constant, optional_input,
                                           require_symmetric_int16, require_zero_filter_offset)
from toolchain.codegen.params import (activation_range_float, activation_range_quantized, fused_activation,
                                      out_size, padding_before, per_channel_multipliers, scale_of, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

INPUT, FILTER, BIAS = 2, 1, 3


def geometry(graph: Graph, op: Operator) -> dict:
    inp, out = graph.tensors[op.inputs[INPUT]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, FILTER, "filter")
    shape = [int(v) for v in constant_input(graph, op, 0, "output shape").data.reshape(-1)]
    if len(inp.shape) != 4 or len(filt.shape) != 4 or shape != list(out.shape):
        raise UnsupportedError(f"operator {op.index} TRANSPOSE_CONV: needs 4-D NHWC tensors and an output shape "
                               f"{shape} equal to {out.describe()}")
    out_c, k_h, k_w, in_c = filt.shape
    b, in_h, in_w, channels = inp.shape
    if channels != in_c or out.shape[0] != b or out.shape[3] != out_c:
        raise UnsupportedError(f"operator {op.index} TRANSPOSE_CONV: filter {filt.describe()} does not fit "
                               f"{inp.describe()} -> {out.describe()}")
    o = op.options
    stride_h, stride_w = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
    padding = o.get("padding", "VALID")
    _, out_h, out_w, _ = out.shape
    # TFLM pads as a convolution from the transpose conv's output back to its input
    rows, cols = out_size(padding, out_h, k_h, stride_h, 1), out_size(padding, out_w, k_w, stride_w, 1)
    return {"batches": b, "in_h": in_h, "in_w": in_w, "in_c": in_c, "out_h": out_h, "out_w": out_w, "out_c": out_c,
            "k_h": k_h, "k_w": k_w, "stride_h": stride_h, "stride_w": stride_w, "dil_h": 1, "dil_w": 1,
            "pad_h": padding_before(stride_h, 1, out_h, k_h, rows) if padding == "SAME" else 0,
            "pad_w": padding_before(stride_w, 1, out_w, k_w, cols) if padding == "SAME" else 0}


def _requantize(graph: Graph, op: Operator, win: dict) -> tuple[dict, int]:
    inp, out = graph.tensors[op.inputs[INPUT]], graph.tensors[op.outputs[0]]
    filt = graph.tensors[op.inputs[FILTER]]
    require_zero_filter_offset(op, filt)
    if len(filt.quant.scale) not in (1, win["out_c"]):
        raise UnsupportedError(f"operator {op.index} TRANSPOSE_CONV: {len(filt.quant.scale)} filter scales for "
                               f"{win['out_c']} output channels")
    multipliers, shifts = per_channel_multipliers(scale_of(inp), filt.quant.scale, scale_of(out), win["out_c"])
    act_min, act_max = activation_range_quantized(fused_activation(op), out)
    count = win["batches"] * win["out_h"] * win["out_w"] * win["out_c"]
    return {"act_min": act_min, "act_max": act_max, "multiplier": ConstArray("multiplier", "int32", multipliers),
            "shift": ConstArray("shift", "int32", shifts)}, count


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[INPUT]], graph.tensors[op.outputs[0]]
    win = geometry(graph, op)
    stage, count = _requantize(graph, op, win)
    return KernelCall(params={"w": win, "input_offset": -zero_point_of(inp), "output_offset": zero_point_of(out),
                              **stage},
                      inputs=(inp.index, op.inputs[FILTER], no_bias_or_constant(graph, op, BIAS)),
                      outputs=(out.index,), scratch_bytes=4 * count)


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[INPUT]], graph.tensors[op.outputs[0]]
    require_symmetric_int16(op, inp, out)
    win = geometry(graph, op)
    stage, count = _requantize(graph, op, win)
    bias = optional_input(graph, op, BIAS)
    if bias is not None and not bias.is_constant:
        raise UnsupportedError(f"operator {op.index} TRANSPOSE_CONV: bias must be a constant tensor")
    # TFLM widens an int16 bias to int64 before use; both are emitted as int64 here
    bias_values = None if bias is None else ConstArray("bias", "int64", bias.data.astype(np.int64).reshape(-1))
    return KernelCall(params={"w": win, **stage, "bias": bias_values}, inputs=(inp.index, op.inputs[FILTER]),
                      outputs=(out.index,), scratch_bytes=8 * count)


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[INPUT]], graph.tensors[op.outputs[0]]
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(params={"w": geometry(graph, op), "act_min": Float32(act_min), "act_max": Float32(act_max)},
                      inputs=(inp.index, op.inputs[FILTER], no_bias_or_constant(graph, op, BIAS)),
                      outputs=(out.index,))


_SCATTER = "kernels/transpose_conv_scatter.h"
KERNELS = [
    Kernel(op="TRANSPOSE_CONV", types=("int32,int8,int8,int32->int8", "int32,int8,int8->int8"),
           function="tl_transpose_conv_int8", c_file="kernels/transpose_conv_int8.c",
           header="kernels/transpose_conv.h", build=build_int8, runtime=("tl_quant.h", "tl_quant.c", _SCATTER)),
    Kernel(op="TRANSPOSE_CONV", types=("int32,int8,int16,int64->int16", "int32,int8,int16,int16->int16",
                                       "int32,int8,int16->int16"),
           function="tl_transpose_conv_int16", c_file="kernels/transpose_conv_int16.c",
           header="kernels/transpose_conv.h", build=build_int16, runtime=("tl_quant.h", "tl_quant.c", _SCATTER)),
    Kernel(op="TRANSPOSE_CONV", types=("int32,float32,float32,float32->float32", "int32,float32,float32->float32"),
           function="tl_transpose_conv_f32", c_file="kernels/transpose_conv_f32.c",
           header="kernels/transpose_conv.h", build=build_f32, runtime=(_SCATTER,)),
]
