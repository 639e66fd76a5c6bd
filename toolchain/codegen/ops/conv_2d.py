"""CONV_2D: int8 (per-channel weights, int32 bias), int16 activations (int8 weights, int64 bias), float32."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Float32, Kernel, KernelCall
from toolchain.codegen.ops import _mve
from toolchain.codegen.ops._common import (constant_input, folded_bias, no_bias_or_constant, output_stage,
                                           require_symmetric_int16, require_zero_filter_offset)
from toolchain.codegen.params import (activation_range_float, fused_activation,
                                      per_channel_multipliers, scale_of, window, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def _geometry(graph: Graph, op: Operator) -> tuple[dict, int]:
    filt = constant_input(graph, op, 1, "filter")
    if len(filt.shape) != 4:
        raise UnsupportedError(f"operator {op.index} CONV_2D: filter must be 4-D OHWI, got {filt.describe()}")
    out_c, k_h, k_w, filter_in_c = filt.shape
    win = window(graph, op, k_h, k_w, out_c)
    if filter_in_c <= 0 or win["in_c"] % filter_in_c or out_c % (win["in_c"] // filter_in_c):
        raise UnsupportedError(f"operator {op.index} CONV_2D: {win['in_c']} input channels do not split into "
                               f"groups of {filter_in_c}")
    return win, filter_in_c


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, 1, "filter")
    require_zero_filter_offset(op, filt)
    win, filter_in_c = _geometry(graph, op)
    bias_index = no_bias_or_constant(graph, op, 2)
    multipliers, shifts = per_channel_multipliers(scale_of(inp), filt.quant.scale, scale_of(out), win["out_c"])
    input_offset = -zero_point_of(inp)
    sums = filt.data.reshape(win["out_c"], -1).astype("int64").sum(axis=1)
    return KernelCall(
        params={
            "win": win, "filter_in_c": filter_in_c, "input_offset": input_offset,
            "output_offset": zero_point_of(out), **output_stage(op, out, multipliers, shifts),
            "folded_bias": folded_bias(graph.tensors[bias_index] if bias_index >= 0 else None, sums, input_offset),
        },
        inputs=(op.inputs[0], filt.index, bias_index), outputs=(op.outputs[0],),
        scratch_bytes=_im2col_bytes(win, filter_in_c), scratch_param=True)


IM2COL_MAX_ROW = 32  # bytes per kernel row below which gathering the window beats per-row dot products


def _im2col_bytes(win: dict, filter_in_c: int) -> int:
    """Scratch for the kernel's im2col path: ungrouped, more than one tap, short kernel rows (where
    per-row loop overhead dominates; measured on Cortex-M4: kws conv0 -27 %, ResNet-8 3x3x16 +7 %)."""
    row = win["k_w"] * win["in_c"]
    if filter_in_c != win["in_c"] or win["k_h"] * win["k_w"] == 1 or row >= IM2COL_MAX_ROW:
        return 0
    return win["k_h"] * row


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    filt = constant_input(graph, op, 1, "filter")
    require_zero_filter_offset(op, filt)
    require_symmetric_int16(op, inp, out)
    win, filter_in_c = _geometry(graph, op)
    multipliers, shifts = per_channel_multipliers(scale_of(inp), filt.quant.scale, scale_of(out), win["out_c"])
    return KernelCall(
        params={"win": win, "filter_in_c": filter_in_c, **output_stage(op, out, multipliers, shifts)},
        inputs=(op.inputs[0], filt.index, no_bias_or_constant(graph, op, 2)), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    filt = constant_input(graph, op, 1, "filter")
    win, filter_in_c = _geometry(graph, op)
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(
        params={"win": win, "filter_in_c": filter_in_c, "act_min": Float32(act_min), "act_max": Float32(act_max)},
        inputs=(op.inputs[0], filt.index, no_bias_or_constant(graph, op, 2)), outputs=(op.outputs[0],))


MVE_COLUMN, MVE_ROWS, MVE_GATHER = 0, 1, 2  # conv_2d_mve.h: how a pixel's window is read
MVE_MAX_CHUNKS = 64  # TL_CONV_MVE_MAX_CHUNKS


def _row_chunks(win: dict) -> int:
    return -(-win["k_w"] * win["in_c"] // 16)


def mve_mode(win: dict, scratch_allowed: bool = True) -> int:
    """Rows of whole 16-byte chunks are read in place; ragged rows are gathered into scratch when
    allowed (fewer chunks), else read in place too, the row ends predicated off."""
    if win["k_h"] == win["k_w"] == 1 and win["pad_h"] == win["pad_w"] == 0:
        return MVE_COLUMN
    in_place = win["dil_w"] == 1 and win["k_h"] * _row_chunks(win) <= MVE_MAX_CHUNKS
    if in_place and ((win["k_w"] * win["in_c"]) % 16 == 0 or not scratch_allowed):
        return MVE_ROWS
    return MVE_GATHER


def _chunk_offsets(win: dict) -> ConstArray:
    """Where each 16-byte chunk of a window row starts, from the window's top-left tap."""
    row_step = win["dil_h"] * win["in_w"] * win["in_c"]
    offsets = [ky * row_step + j for ky in range(win["k_h"]) for j in range(0, win["k_w"] * win["in_c"], 16)]
    return ConstArray("chunk_offsets", "int32", np.asarray(offsets, dtype=np.int32))


def mve_conv_call(op: Operator, portable: dict, filters: np.ndarray, scratch_allowed: bool = True) -> KernelCall:
    """The tl_conv_2d_int8_mve call for `filters` [out_c, k_h, k_w * in_c] and the portable builder's
    parameters (shared with DEPTHWISE_CONV_2D of one input channel, which is this convolution)."""
    win = portable["win"]
    mode = mve_mode(win, scratch_allowed)
    if mode == MVE_ROWS:  # each row zero-padded to whole chunks, as the kernel walks them
        padded = np.zeros(filters.shape[:2] + (_row_chunks(win) * 16,), dtype=np.int8)
        padded[:, :, :filters.shape[2]] = filters
        filters = padded
    depth = win["k_h"] * win["k_w"] * win["in_c"]
    return KernelCall(
        params={"win": win, "depth": depth, "mode": mode, "pad_value": -portable["input_offset"],
                "weights": _mve.matvec_weights(filters.reshape(win["out_c"], -1)),
                "chunk_offsets": _chunk_offsets(win) if mode == MVE_ROWS else None,
                "out": _mve.output_stage(portable)},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],), scratch_bytes=depth if mode == MVE_GATHER else 0,
        scratch_param=True)


def build_int8_mve(graph: Graph, op: Operator) -> KernelCall:
    """Cortex-M55: each output pixel's window (read in place as 16-byte chunks of its rows, or gathered
    with the zero point in padded taps) times the re-laid weights (runtime/kernels/cortex-m55/)."""
    portable = build_int8(graph, op).params
    win = portable["win"]
    filt = constant_input(graph, op, 1, "filter")
    return mve_conv_call(op, portable, filt.data.reshape(win["out_c"], win["k_h"], -1))


def _ungrouped(graph: Graph, op: Operator) -> bool:
    win, filter_in_c = _geometry(graph, op)
    return filter_in_c == win["in_c"]


KERNELS = [
    Kernel(op="CONV_2D", types=("int8,int8,int32->int8", "int8,int8->int8"), function="tl_conv_2d_int8",
           c_file="kernels/conv_2d_int8.c", header="kernels/conv_2d.h", build=build_int8),
    Kernel(op="CONV_2D", types=("int16,int8,int64->int16",), function="tl_conv_2d_int16",
           c_file="kernels/conv_2d_int16.c", header="kernels/conv_2d.h", build=build_int16),
    Kernel(op="CONV_2D", types=("float32,float32,float32->float32", "float32,float32->float32"),
           function="tl_conv_2d_f32", c_file="kernels/conv_2d_f32.c", header="kernels/conv_2d.h",
           build=build_f32, runtime=()),
    Kernel(op="CONV_2D", types=("int8,int8,int32->int8", "int8,int8->int8"), function="tl_conv_2d_int8_mve",
           c_file="kernels/cortex-m55/conv_2d_int8_mve.c", header="kernels/cortex-m55/conv_2d_mve.h",
           build=build_int8_mve, cpu=_mve.CPU, runtime=_mve.RUNTIME, accepts=_ungrouped),
]
