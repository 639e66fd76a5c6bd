"""Generation-time layouts for the Cortex-M55 (MVE/Helium) kernels in runtime/kernels/cortex-m55/.

They start from the portable builders' parameters (TFLM's Prepare-time constants) and only re-lay
them for the vector code: weights in blocks of four output channels, per-channel arrays padded to
whole blocks, shifts split into the left and right counts the vector shifts take."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray

CPU = "cortex-m55"
LANES = 4  # int32 lanes of one vector: output channels per block
CHUNK = 16  # int8 lanes of one vector: taps per multiply-accumulate instruction
DEPTHWISE_LANES = 8  # int16 lanes of one vector: depthwise channels per tap
RUNTIME = ("kernels/cortex-m55/tl_mve.h",)


def _blocks(n: int, size: int) -> int:
    return -(-n // size)


def _padded(values: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(length, dtype=values.dtype)
    out[:len(values)] = values
    return out


def matvec_weights(rows: np.ndarray) -> ConstArray:
    """[channels, depth] int8 weights in tl_mve_matvec's order: blocks of four channels, within a block
    each 16-tap chunk of the four channels together; zero taps and zero channels pad the ends."""
    channels, depth = rows.shape
    blocks, chunks = _blocks(channels, LANES), _blocks(depth, CHUNK)
    padded = np.zeros((blocks * LANES, chunks * CHUNK), dtype=np.int8)
    padded[:channels, :depth] = rows
    laid = padded.reshape(blocks, LANES, chunks, CHUNK).transpose(0, 2, 1, 3)
    return ConstArray("weights", "int8", laid.reshape(-1))


def depthwise_weights(taps: np.ndarray) -> ConstArray:
    """[k_h * k_w, channels] int8 depthwise weights as [channels / 8][tap][8]: the taps of each block of
    eight channels in a row, so one pointer walks them."""
    count, channels = taps.shape
    laid = taps.reshape(count, channels // DEPTHWISE_LANES, DEPTHWISE_LANES).transpose(1, 0, 2)
    return ConstArray("weights", "int8", np.ascontiguousarray(laid).reshape(-1))


def even_then_odd(values: np.ndarray) -> np.ndarray:
    """Per block of eight channels, the even channels then the odd ones: the order VMULLB / VMULLT
    leave the depthwise kernel's products in."""
    return np.asarray(values).reshape(-1, DEPTHWISE_LANES // 2, 2).transpose(0, 2, 1).reshape(-1)


def output_stage(portable: dict) -> dict:
    """tl_mve_output_stage from a portable conv/FC builder's parameters (folded_bias, multiplier,
    shift, output_offset, act_min, act_max): per block of four channels the bias, multiplier, left
    and right shift vectors one after another, so the kernel walks one pointer."""
    shift = portable["shift"].values.astype(np.int64)
    length = _blocks(len(shift), LANES) * LANES
    vectors = [portable["folded_bias"].values, portable["multiplier"].values, np.maximum(shift, 0),
               np.minimum(shift, 0)]
    laid = np.stack([_padded(np.asarray(v, dtype=np.int64), length).reshape(-1, LANES) for v in vectors], axis=1)
    return {"zero_point": portable["output_offset"], "act_min": portable["act_min"], "act_max": portable["act_max"],
            "channels": ConstArray("channels", "int32", laid.reshape(-1).astype(np.int32))}
