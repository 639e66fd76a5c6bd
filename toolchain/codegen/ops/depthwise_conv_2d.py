"""DEPTHWISE_CONV_2D: int8 (per-channel weights, int32 bias), int16 activations (int64 bias) and float32,
any depth multiplier."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Float32, Kernel, KernelCall
from toolchain.codegen.ops import _mve, conv_2d
from toolchain.codegen.ops._common import (constant_input, folded_bias, no_bias_or_constant, output_stage,
                                           require_symmetric_int16, require_zero_filter_offset)
from toolchain.codegen.params import (activation_range_float, fused_activation,
                                      per_channel_multipliers, scale_of, window, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def _geometry(graph: Graph, op: Operator) -> tuple[dict, int]:
    filt = constant_input(graph, op, 1, "filter")
    if len(filt.shape) != 4 or filt.shape[0] != 1:
        raise UnsupportedError(f"operator {op.index} DEPTHWISE_CONV_2D: filter must be [1, H, W, C], "
                               f"got {filt.describe()}")
    _, k_h, k_w, out_c = filt.shape
    win = window(graph, op, k_h, k_w, out_c)
    in_c = win["in_c"]
    if in_c <= 0 or out_c % in_c:
        raise UnsupportedError(f"operator {op.index} DEPTHWISE_CONV_2D: {out_c} output channels are not a "
                               f"multiple of {in_c} input channels")
    return win, out_c // in_c


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, 1, "filter")
    require_zero_filter_offset(op, filt)
    win, depth_multiplier = _geometry(graph, op)
    bias_index = no_bias_or_constant(graph, op, 2)
    multipliers, shifts = per_channel_multipliers(scale_of(inp), filt.quant.scale, scale_of(out), win["out_c"])
    input_offset = -zero_point_of(inp)
    sums = filt.data.reshape(-1, win["out_c"]).astype("int64").sum(axis=0)
    return KernelCall(
        params={
            "win": win, "depth_multiplier": depth_multiplier, "input_offset": input_offset,
            "output_offset": zero_point_of(out), **output_stage(op, out, multipliers, shifts),
            "folded_bias": folded_bias(graph.tensors[bias_index] if bias_index >= 0 else None, sums, input_offset),
        },
        inputs=(op.inputs[0], filt.index, bias_index), outputs=(op.outputs[0],))


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, 1, "filter")
    require_zero_filter_offset(op, filt)
    require_symmetric_int16(op, inp, out)
    win, depth_multiplier = _geometry(graph, op)
    multipliers, shifts = per_channel_multipliers(scale_of(inp), filt.quant.scale, scale_of(out), win["out_c"])
    return KernelCall(
        params={"win": win, "depth_multiplier": depth_multiplier, **output_stage(op, out, multipliers, shifts)},
        inputs=(op.inputs[0], filt.index, no_bias_or_constant(graph, op, 2)), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    filt = constant_input(graph, op, 1, "filter")
    win, depth_multiplier = _geometry(graph, op)
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(
        params={"win": win, "depth_multiplier": depth_multiplier,
                "act_min": Float32(act_min), "act_max": Float32(act_max)},
        inputs=(op.inputs[0], filt.index, no_bias_or_constant(graph, op, 2)), outputs=(op.outputs[0],))


MVE_MAX_TAPS = 25  # TL_DEPTHWISE_MVE_MAX_TAPS


def build_int8_mve(graph: Graph, op: Operator) -> KernelCall:
    """Cortex-M55: eight channels per vector, weights re-laid per block of eight channels
    (runtime/kernels/cortex-m55/)."""
    portable = build_int8(graph, op).params
    win = portable["win"]
    filt = constant_input(graph, op, 1, "filter")
    return KernelCall(
        params={"win": win,
                "zero_points": ConstArray("zero_points", "int8", np.full(win["out_c"], -portable["input_offset"])),
                "weights": _mve.depthwise_weights(filt.data.reshape(-1, win["out_c"])),
                "out": _mve.output_stage({**portable, **{k: ConstArray(k, "int32", _mve.even_then_odd(portable[k].values))
                                                          for k in ("folded_bias", "multiplier", "shift")}})},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_int8_mve_as_conv(graph: Graph, op: Operator) -> KernelCall:
    """Cortex-M55, one input channel: the depthwise convolution IS a convolution with depth_multiplier
    output channels of one input channel each, run by the M55 CONV_2D kernel (filters transposed
    to OHWI; no scratch, as the portable depthwise needs none)."""
    portable = build_int8(graph, op).params
    win = portable["win"]
    filt = constant_input(graph, op, 1, "filter")
    filters = filt.data.reshape(win["k_h"], win["k_w"], win["out_c"]).transpose(2, 0, 1)
    return conv_2d.mve_conv_call(op, portable, np.ascontiguousarray(filters), scratch_allowed=False)


def _one_input_channel(graph: Graph, op: Operator) -> bool:
    win, _ = _geometry(graph, op)
    return win["in_c"] == 1 and conv_2d.mve_mode(win, scratch_allowed=False) == conv_2d.MVE_ROWS


def _one_per_channel_in_blocks_of_8(graph: Graph, op: Operator) -> bool:
    win, depth_multiplier = _geometry(graph, op)
    return (depth_multiplier == 1 and win["out_c"] % _mve.DEPTHWISE_LANES == 0
            and win["k_h"] * win["k_w"] <= MVE_MAX_TAPS)


KERNELS = [
    Kernel(op="DEPTHWISE_CONV_2D", types=("int8,int8,int32->int8", "int8,int8->int8"),
           function="tl_depthwise_conv_2d_int8", c_file="kernels/depthwise_conv_2d_int8.c",
           header="kernels/depthwise_conv_2d.h", build=build_int8),
    Kernel(op="DEPTHWISE_CONV_2D", types=("int16,int8,int64->int16",), function="tl_depthwise_conv_2d_int16",
           c_file="kernels/depthwise_conv_2d_int16.c", header="kernels/depthwise_conv_2d.h", build=build_int16),
    Kernel(op="DEPTHWISE_CONV_2D", types=("float32,float32,float32->float32", "float32,float32->float32"),
           function="tl_depthwise_conv_2d_f32", c_file="kernels/depthwise_conv_2d_f32.c",
           header="kernels/depthwise_conv_2d.h", build=build_f32, runtime=()),
    Kernel(op="DEPTHWISE_CONV_2D", types=("int8,int8,int32->int8", "int8,int8->int8"),
           function="tl_depthwise_conv_2d_int8_mve", c_file="kernels/cortex-m55/depthwise_conv_2d_int8_mve.c",
           header="kernels/cortex-m55/depthwise_conv_2d_mve.h", build=build_int8_mve, cpu=_mve.CPU,
           runtime=_mve.RUNTIME, accepts=_one_per_channel_in_blocks_of_8),
    Kernel(op="DEPTHWISE_CONV_2D", types=("int8,int8,int32->int8", "int8,int8->int8"),
           function="tl_conv_2d_int8_mve", c_file="kernels/cortex-m55/conv_2d_int8_mve.c",
           header="kernels/cortex-m55/conv_2d_mve.h", build=build_int8_mve_as_conv, cpu=_mve.CPU,
           runtime=_mve.RUNTIME, accepts=_one_input_channel),
]
