"""Armv7E-M DSP kernels (Cortex-M4 and Cortex-M7 share the ISA, so they share these rows and files):
int8 CONV_2D and DEPTHWISE_CONV_2D with SXTB16 + SMLAD, and a requantization of a few
instructions wherever the generator proves it equals TFLM's (docs/kernels.md). Each operator gets
the fast row when the proof holds for every output channel, the exact row otherwise; shapes the
kernels do not cover keep the portable kernel."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Kernel, KernelCall
from toolchain.codegen.ops import add, average_pool_2d, conv_2d, depthwise_conv_2d, fully_connected, max_pool_2d
from toolchain.codegen.ops._common import constant_input
from toolchain.codegen.params import broadcast, zero_point_of
from toolchain.model.graph import Graph, Operator

DSP_CPUS = ("cortex-m4", "cortex-m7")
INT8_CONV_TYPES = ("int8,int8,int32->int8", "int8,int8->int8")
RUNTIME = ("tl_quant.h", "tl_quant.c", "kernels/cortex-m4/tl_dsp.h")
# the pools' header includes the portable parameter structs
POOL_RUNTIME = RUNTIME + ("kernels/average_pool_2d.h", "kernels/max_pool_2d.h")
INT8_MAGNITUDE = 128  # the largest |x| of an int8 input
DEPTHWISE_MAX_TAPS = 64  # TL_DEPTHWISE_CONV_2D_DSP_MAX_TAPS
CONV_MAX_K_PADDED = 576  # TL_CONV_2D_DSP_MAX_K_PADDED: the widened pairs on the stack, 4 bytes per tap
CONV_MAX_ROW_WORDS = 64  # TL_CONV_2D_DSP_MAX_ROW_WORDS: one kernel row on the stack
WIDE_MIN_PIXELS = 100  # output pixels per weight from which int16 weights pay their flash (kws: 125)


def fast_requant_table(acc_bounds: np.ndarray, multipliers: np.ndarray, shifts: np.ndarray,
                       output_offset: int) -> np.ndarray | None:
    """Per channel (multiplier, pre, rounding, post) for tl_dsp_requantize, or None when for some
    channel an accumulator within `acc_bounds` could overflow a step (then TFLM's exact path runs)."""
    rows = []
    for bound, m, shift in zip(acc_bounds.tolist(), multipliers.tolist(), shifts.tolist()):
        pre, e = max(shift, 0) + 1, max(-shift, 0)
        if m < 0 or e > 30 or (bound << pre) >= 2**31:
            return None
        v_bound = ((bound << pre) * m >> 32) + 1  # |SMMULR(acc << pre, m)|
        rounding = 2**e + output_offset * 2 ** (e + 1)
        if 2 * v_bound + abs(rounding) + 1 >= 2**31:
            return None
        rows.append((m, pre, rounding, e + 1))
    return np.array(rows, dtype=np.int32).reshape(-1)


def _acc_bounds(bias, weights_per_channel: np.ndarray, input_offset: int) -> np.ndarray:
    """max |folded bias + sum(w * x)| over int8 x, per output channel (weights: channels x taps)."""
    w = weights_per_channel.astype(np.int64)
    base = np.zeros(len(w), dtype=np.int64) if bias is None else bias.data.astype(np.int64)
    folded = base + input_offset * w.sum(axis=1)
    return np.abs(folded) + INT8_MAGNITUDE * np.abs(w).sum(axis=1)


def _fast_table(graph: Graph, op: Operator, call: KernelCall, weights_per_channel: np.ndarray) -> np.ndarray | None:
    p = call.params
    bias = graph.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    input_offset = -zero_point_of(graph.tensors[op.inputs[0]])
    return fast_requant_table(_acc_bounds(bias, weights_per_channel, input_offset), p["multiplier"].values,
                              p["shift"].values, p["output_offset"])


def _requant_params(graph: Graph, op: Operator, call: KernelCall, weights_per_channel: np.ndarray,
                    fast: bool) -> dict:
    """The fast path's table, or TFLM's multipliers and shifts: only what the kernel reads is emitted."""
    p = call.params
    if fast:
        return {"requant": ConstArray("requant", "int32", _fast_table(graph, op, call, weights_per_channel)),
                "multiplier": None, "shift": None}
    return {"requant": None, "multiplier": p["multiplier"], "shift": p["shift"]}


# ---- CONV_2D ---------------------------------------------------------------------------------

def _conv_weights(graph: Graph, op: Operator) -> np.ndarray:
    """(out_c, k_h, k_w * in_c)"""
    filt = constant_input(graph, op, 1, "filter")
    return filt.data.reshape(filt.shape[0], filt.shape[1], -1)


def _window_fits(rows: np.ndarray) -> bool:
    """The kernel's stack buffers hold the window (rows: out_c x k_h x row bytes)."""
    _, k_h, row_bytes = rows.shape
    return _row_words(row_bytes) <= CONV_MAX_ROW_WORDS and _k_padded(k_h * 4 * _row_words(row_bytes)) <= CONV_MAX_K_PADDED


def _conv_takes(graph: Graph, op: Operator) -> bool:
    filt = constant_input(graph, op, 1, "filter")
    in_c = graph.tensors[op.inputs[0]].shape[-1]
    return len(filt.shape) == 4 and filt.shape[3] == in_c and filt.shape[0] % 2 == 0 and \
        _window_fits(_conv_weights(graph, op))


def _row_words(row_bytes: int) -> int:
    return -(-row_bytes // 4)


def _k_padded(k: int) -> int:
    """The window's words x 4 rounded up to whole turns of the micro-kernels (two 4-tap groups)."""
    return -(-k // 8) * 8


def _padded_rows(rows: np.ndarray) -> np.ndarray:
    """(out_c, k_h, row bytes) -> (out_c, k_padded): every kernel row zero-padded to whole words (the
    kernel widens rows word by word), the window to whole turns of the micro-kernels."""
    out_c, k_h, row_bytes = rows.shape
    words = _row_words(row_bytes)
    padded = np.zeros((out_c, k_h, 4 * words), dtype=np.int8)
    padded[:, :, :row_bytes] = rows
    flat = np.zeros((out_c, _k_padded(k_h * 4 * words)), dtype=np.int8)
    flat[:, :k_h * 4 * words] = padded.reshape(out_c, -1)
    return flat


def _pack_channel_pairs(weights: np.ndarray) -> np.ndarray:
    """(out_c, k_padded) -> per pair of channels, 4-tap words of the first and second channel in
    turn: what mac_2x2 reads with one 8-byte step."""
    out_c, k_padded = weights.shape
    return weights.reshape(out_c // 2, 2, k_padded // 4, 4).transpose(0, 2, 1, 3).reshape(-1)


def _pack_wide(weights: np.ndarray) -> np.ndarray:
    """(out_c, k_padded) -> int16, per block of 4 channels, per 4 taps, per slot s (taps s and s + 2,
    the halves SXTB16 makes of the input word and of its rotation), channels 0..3: what
    tl_dsp_mac_2x4 reads with two 8-byte steps per slot."""
    out_c, k_padded = weights.shape
    taps = weights.astype(np.int16).reshape(out_c // 4, 4, k_padded // 4, 2, 2)  # block, channel, group, half, slot
    return taps.transpose(0, 2, 4, 1, 3).reshape(-1)


def _wide_takes(graph: Graph, op: Operator) -> bool:
    """Weights widened to int16 by the generator cost one more flash byte per weight and save ~0.3
    instructions per multiply-accumulate: taken where each weight serves WIDE_MIN_PIXELS output pixels."""
    out = graph.tensors[op.outputs[0]].shape
    return out[-1] % 4 == 0 and int(np.prod(out[:-1])) >= WIDE_MIN_PIXELS


def _conv_fast_takes(graph: Graph, op: Operator) -> bool:
    if not _conv_takes(graph, op):
        return False
    return _fast_table(graph, op, conv_2d.build_int8(graph, op), _conv_weights(graph, op).reshape(
        constant_input(graph, op, 1, "filter").shape[0], -1)) is not None


def _build_conv(graph: Graph, op: Operator, fast: bool, wide: bool) -> KernelCall:
    return _conv_call(graph, op, conv_2d.build_int8(graph, op), _conv_weights(graph, op), fast, wide)


def _conv_call(graph: Graph, op: Operator, call: KernelCall, rows: np.ndarray, fast: bool, wide: bool) -> KernelCall:
    """The DSP convolution's call from the portable builder's constants and (out_c, k_h, row bytes) weights."""
    p = call.params
    padded = _padded_rows(rows)
    filters = {"filter": None, "filter_wide": ConstArray("filter_wide", "int16", _pack_wide(padded))} if wide else \
        {"filter": ConstArray("filter_pairs", "int8", _pack_channel_pairs(padded)), "filter_wide": None}
    return KernelCall(
        params={"win": p["win"], "row_words": _row_words(rows.shape[2]), "k_padded": padded.shape[1],
                "pad_value": zero_point_of(graph.tensors[op.inputs[0]]), "output_offset": p["output_offset"],
                **_activation(p), **filters, "folded_bias": p["folded_bias"],
                **_requant_params(graph, op, call, rows.reshape(rows.shape[0], -1), fast)},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def _activation(params: dict) -> dict:
    """The clamp, and whether SSAT alone does it (the activation allows all of int8)."""
    full = params["act_min"] <= -128 and params["act_max"] >= 127
    return {"act_min": params["act_min"], "act_max": params["act_max"], "full_range": int(full)}


# ---- DEPTHWISE_CONV_2D -----------------------------------------------------------------------

def _depthwise_weights(graph: Graph, op: Operator) -> np.ndarray:
    """(channels, taps)"""
    filt = constant_input(graph, op, 1, "filter")
    return filt.data.reshape(-1, filt.shape[3]).T


def _depthwise_takes(graph: Graph, op: Operator) -> bool:
    filt = constant_input(graph, op, 1, "filter")
    in_c = graph.tensors[op.inputs[0]].shape[-1]
    return len(filt.shape) == 4 and filt.shape[3] == in_c and in_c % 4 == 0 and \
        filt.shape[1] * filt.shape[2] <= DEPTHWISE_MAX_TAPS


def _depthwise_fast_takes(graph: Graph, op: Operator) -> bool:
    if not _depthwise_takes(graph, op):
        return False
    return _fast_table(graph, op, depthwise_conv_2d.build_int8(graph, op), _depthwise_weights(graph, op)) is not None


def _pack_depthwise(weights: np.ndarray) -> np.ndarray:
    """(channels, taps) -> int16, per group of 4 channels, per tap: channels 0, 2, 1, 3 (the halves
    SXTB16 makes of 4 input bytes and its rotation)."""
    channels, taps = weights.shape
    groups = weights.astype(np.int16).reshape(channels // 4, 4, taps).transpose(0, 2, 1)
    return groups[:, :, [0, 2, 1, 3]].reshape(-1)


def _build_depthwise(graph: Graph, op: Operator, fast: bool) -> KernelCall:
    call = depthwise_conv_2d.build_int8(graph, op)
    p, win = call.params, call.params["win"]
    weights = _depthwise_weights(graph, op)
    zero_point = zero_point_of(graph.tensors[op.inputs[0]])
    return KernelCall(
        params={"win": win, "output_offset": p["output_offset"], **_activation(p),
                "filter": ConstArray("filter_q15", "int16", _pack_depthwise(weights)),
                "pad_row": ConstArray("pad_row", "int8", np.full(win["in_c"], zero_point, dtype=np.int8)),
                "folded_bias": p["folded_bias"], **_requant_params(graph, op, call, weights, fast)},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def _single_channel_rows(graph: Graph, op: Operator) -> np.ndarray:
    """The depthwise filter (1, k_h, k_w, out_c) as a convolution's (out_c, k_h, k_w) rows."""
    filt = constant_input(graph, op, 1, "filter")
    return filt.data.reshape(filt.shape[1], filt.shape[2], filt.shape[3]).transpose(2, 0, 1)


def _single_channel_takes(graph: Graph, op: Operator) -> bool:
    """One input channel: each output channel is an ordinary convolution of that channel."""
    filt = constant_input(graph, op, 1, "filter")
    return graph.tensors[op.inputs[0]].shape[-1] == 1 and len(filt.shape) == 4 and filt.shape[3] % 2 == 0 and \
        _window_fits(_single_channel_rows(graph, op))


def _single_channel_fast_takes(graph: Graph, op: Operator) -> bool:
    return _single_channel_takes(graph, op) and _fast_table(
        graph, op, depthwise_conv_2d.build_int8(graph, op), _depthwise_weights(graph, op)) is not None


def _build_single_channel(graph: Graph, op: Operator, fast: bool, wide: bool) -> KernelCall:
    return _conv_call(graph, op, depthwise_conv_2d.build_int8(graph, op), _single_channel_rows(graph, op), fast, wide)


def _and(*tests):
    return lambda g, o: all(test(g, o) for test in tests)


# ---- ADD -------------------------------------------------------------------------------------

def _add_requant(call: KernelCall) -> np.ndarray | None:
    """The output stage's fast constants, proven over every sum the two tables can make."""
    p = call.params
    if p["output_shift"] > 0:  # never for TFLM's "smaller than one" multiplier; the proof assumes it
        return None
    bound = int(np.abs(p["input1_table"].values.astype(np.int64)).max() +
                np.abs(p["input2_table"].values.astype(np.int64)).max())
    return fast_requant_table(np.array([bound]), np.array([p["output_multiplier"]]), np.array([p["output_shift"]]),
                              p["output_offset"])


def _add_takes(graph: Graph, op: Operator) -> bool:
    return bool(broadcast(graph, op)["same_shape"]) and _add_requant(add.build_int8(graph, op)) is not None


def _build_add(graph: Graph, op: Operator) -> KernelCall:
    call = add.build_int8(graph, op)
    p = call.params  # the requantization's pre-shift is 1 (shift <= 0): the doubled tables carry it
    doubled = {name: ConstArray(name, "int32", p[name].values * 2) for name in ("input1_table", "input2_table")}
    return KernelCall(params={"count": p["shape"]["count"], **_activation(p), **doubled,
                              "requant": ConstArray("requant", "int32", _add_requant(call))},
                      inputs=call.inputs, outputs=call.outputs)


# ---- FULLY_CONNECTED ---------------------------------------------------------------------------

def _fc_weights(graph: Graph, op: Operator) -> np.ndarray:
    """(units, depth)"""
    return constant_input(graph, op, 1, "weights").data


def _fc_takes(graph: Graph, op: Operator) -> bool:
    units, depth = _fc_weights(graph, op).shape
    return units % 2 == 0 and depth % 4 == 0


def _fc_fast_takes(graph: Graph, op: Operator) -> bool:
    return _fc_takes(graph, op) and _fast_table(graph, op, fully_connected.build_int8(graph, op),
                                                _fc_weights(graph, op)) is not None


def _build_fc(graph: Graph, op: Operator, fast: bool) -> KernelCall:
    call = fully_connected.build_int8(graph, op)
    p, weights = call.params, _fc_weights(graph, op)
    return KernelCall(
        params={"batches": p["batches"], "depth": p["depth"], "units": p["units"], "output_offset": p["output_offset"],
                **_activation(p), "filter": ConstArray("filter_pairs", "int8", _pack_channel_pairs(weights)),
                "folded_bias": p["folded_bias"], **_requant_params(graph, op, call, weights, fast)},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


# ---- AVERAGE_POOL_2D / MAX_POOL_2D ------------------------------------------------------------

AVERAGE_POOL_MAX_TAPS = 256  # 256 * 128 fits a 16-bit lane


def _pool_channels_in_words(graph: Graph, op: Operator) -> bool:
    return graph.tensors[op.inputs[0]].shape[-1] % 4 == 0


def _average_pool_takes(graph: Graph, op: Operator) -> bool:
    o = op.options
    taps = int(o.get("filter_height", 1)) * int(o.get("filter_width", 1))
    return _pool_channels_in_words(graph, op) and taps <= AVERAGE_POOL_MAX_TAPS


def _without_scratch(call: KernelCall) -> KernelCall:
    """The portable parameters; the DSP pools keep their sums in registers."""
    return KernelCall(params=call.params, inputs=call.inputs, outputs=call.outputs)


def _rows(cpu: str) -> list[Kernel]:
    conv = dict(op="CONV_2D", types=INT8_CONV_TYPES, c_file="kernels/cortex-m4/conv_2d_int8_dsp.c",
                header="kernels/cortex-m4/conv_2d_dsp.h", cpu=cpu, runtime=RUNTIME)
    depthwise = dict(op="DEPTHWISE_CONV_2D", types=INT8_CONV_TYPES,
                     c_file="kernels/cortex-m4/depthwise_conv_2d_int8_dsp.c",
                     header="kernels/cortex-m4/depthwise_conv_2d_dsp.h", cpu=cpu, runtime=RUNTIME)
    as_conv = {**conv, "op": "DEPTHWISE_CONV_2D"}
    fc = dict(op="FULLY_CONNECTED", types=INT8_CONV_TYPES, c_file="kernels/cortex-m4/fully_connected_int8_dsp.c",
              header="kernels/cortex-m4/fully_connected_dsp.h", cpu=cpu, runtime=RUNTIME)
    return [
        Kernel(**as_conv, function="tl_conv_2d_int8_dsp_wide", build=lambda g, o: _build_single_channel(g, o, True, True),
               accepts=_and(_single_channel_fast_takes, _wide_takes)),
        Kernel(**as_conv, function="tl_conv_2d_int8_dsp_wide_exact",
               build=lambda g, o: _build_single_channel(g, o, False, True), accepts=_and(_single_channel_takes, _wide_takes)),
        Kernel(**as_conv, function="tl_conv_2d_int8_dsp", build=lambda g, o: _build_single_channel(g, o, True, False),
               accepts=_single_channel_fast_takes),
        Kernel(**as_conv, function="tl_conv_2d_int8_dsp_exact",
               build=lambda g, o: _build_single_channel(g, o, False, False), accepts=_single_channel_takes),
        Kernel(**conv, function="tl_conv_2d_int8_dsp_wide", build=lambda g, o: _build_conv(g, o, True, True),
               accepts=_and(_conv_fast_takes, _wide_takes)),
        Kernel(**conv, function="tl_conv_2d_int8_dsp_wide_exact", build=lambda g, o: _build_conv(g, o, False, True),
               accepts=_and(_conv_takes, _wide_takes)),
        Kernel(**conv, function="tl_conv_2d_int8_dsp", build=lambda g, o: _build_conv(g, o, True, False),
               accepts=_conv_fast_takes),
        Kernel(**conv, function="tl_conv_2d_int8_dsp_exact", build=lambda g, o: _build_conv(g, o, False, False),
               accepts=_conv_takes),
        Kernel(**fc, function="tl_fully_connected_int8_dsp", build=lambda g, o: _build_fc(g, o, True),
               accepts=_fc_fast_takes),
        Kernel(**fc, function="tl_fully_connected_int8_dsp_exact", build=lambda g, o: _build_fc(g, o, False),
               accepts=_fc_takes),
        Kernel(op="AVERAGE_POOL_2D", types=("int8->int8",), function="tl_average_pool_2d_int8_dsp",
               c_file="kernels/cortex-m4/average_pool_2d_int8_dsp.c", header="kernels/cortex-m4/pool_dsp.h", cpu=cpu,
               runtime=POOL_RUNTIME, build=lambda g, o: _without_scratch(average_pool_2d.build_int8(g, o)),
               accepts=_average_pool_takes),
        Kernel(op="MAX_POOL_2D", types=("int8->int8",), function="tl_max_pool_2d_int8_dsp",
               c_file="kernels/cortex-m4/max_pool_2d_int8_dsp.c", header="kernels/cortex-m4/pool_dsp.h", cpu=cpu,
               runtime=POOL_RUNTIME, build=max_pool_2d.build_quantized, accepts=_pool_channels_in_words),
        Kernel(op="ADD", types=("int8,int8->int8",), function="tl_add_int8_dsp", c_file="kernels/cortex-m4/add_int8_dsp.c",
               header="kernels/cortex-m4/add_dsp.h", cpu=cpu, runtime=RUNTIME, build=_build_add, accepts=_add_takes),
        Kernel(**depthwise, function="tl_depthwise_conv_2d_int8_dsp",
               build=lambda g, o: _build_depthwise(g, o, True), accepts=_depthwise_fast_takes),
        Kernel(**depthwise, function="tl_depthwise_conv_2d_int8_dsp_exact",
               build=lambda g, o: _build_depthwise(g, o, False), accepts=_depthwise_takes),
    ]


KERNELS = [row for cpu in DSP_CPUS for row in _rows(cpu)]
