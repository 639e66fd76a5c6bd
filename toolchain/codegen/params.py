"""Constant parameters computed at generation time exactly as TFLM computes them at Prepare time:
quantized multipliers (double precision, frexp decomposition), activation ranges, padding."""
from __future__ import annotations

import math

import numpy as np

from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Tensor

INT_RANGES = {"int8": (-128, 127), "int16": (-32768, 32767), "uint8": (0, 255), "int32": (-2**31, 2**31 - 1)}
FLT_MAX = float(np.finfo(np.float32).max)


def round_half_away(x: float) -> int:
    """std::round: halves go away from zero."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """A real multiplier as (Q31 significand in [2^30, 2^31), power-of-two exponent)."""
    if real == 0.0:
        return 0, 0
    significand, shift = math.frexp(real)
    q = round_half_away(significand * (1 << 31))
    if q == 1 << 31:  # rounding reached 1.0: renormalise
        q //= 2
        shift += 1
    if shift < -31:  # too small to represent: the product is zero
        return 0, 0
    return q, shift


def quantize_multiplier_smaller_than_one(real: float) -> tuple[int, int]:
    q, shift = quantize_multiplier(real)
    if shift > 0:
        raise UnsupportedError(f"requantization multiplier {real} is not smaller than one")
    return q, shift


def quantize_multiplier_greater_than_one(real: float) -> tuple[int, int]:
    q, shift = quantize_multiplier(real)
    if shift < 0:
        raise UnsupportedError(f"requantization multiplier {real} is not greater than one")
    return q, shift


def f32(x: float) -> np.float32:
    return np.float32(x)


def scale_of(t: Tensor) -> float:
    if t.quant is None:
        raise UnsupportedError(f"tensor {t.index} ({t.name}) has no quantization parameters")
    return t.quant.scale[0]


def zero_point_of(t: Tensor) -> int:
    if t.quant is None:
        raise UnsupportedError(f"tensor {t.index} ({t.name}) has no quantization parameters")
    return t.quant.zero_point[0]


def activation_range_quantized(activation: str, out: Tensor) -> tuple[int, int]:
    """The fused activation as an integer clamp on the output's quantized values."""
    qmin, qmax = INT_RANGES[out.dtype]
    scale, zp = f32(scale_of(out)), zero_point_of(out)

    def quantize(value: float) -> int:
        steps = round_half_away(float(f32(value) / scale))  # float division, as TFLM does
        if not -2**31 <= steps <= 2**31:  # TFLM's Prepare fails here (no_integer_overflow_from_quantization)
            raise UnsupportedError(f"fused {activation}: the bound {value} is {steps} steps of the output scale "
                                   f"{float(scale)}, beyond int32 (TFLM refuses it)")
        return zp + steps

    if activation == "NONE":
        return qmin, qmax
    if activation == "RELU":
        return max(qmin, quantize(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    raise UnsupportedError(f"fused activation {activation} is not supported on quantized tensors")


def activation_range_float(activation: str) -> tuple[float, float]:
    ranges = {"NONE": (-FLT_MAX, FLT_MAX), "RELU": (0.0, FLT_MAX), "RELU6": (0.0, 6.0),
              "RELU_N1_TO_1": (-1.0, 1.0)}
    if activation not in ranges:
        raise UnsupportedError(f"fused activation {activation} is not supported on float tensors")
    return ranges[activation]


def out_size(padding: str, in_size: int, filter_size: int, stride: int, dilation: int) -> int:
    effective = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        return (in_size + stride - 1) // stride
    if padding == "VALID":
        return (in_size + stride - effective) // stride
    raise UnsupportedError(f"padding {padding} is not supported")


def padding_before(stride: int, dilation: int, in_size: int, filter_size: int, out: int) -> int:
    """Rows (or columns) of implicit zero-point padding before the first input row."""
    effective = (filter_size - 1) * dilation + 1
    return max(((out - 1) * stride + effective - in_size) // 2, 0)


def window(graph: Graph, op: Operator, k_h: int, k_w: int, out_c: int) -> dict[str, int]:
    """The `tl_window` struct for an NHWC sliding-window operator (conv, depthwise conv, pooling)."""
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if len(inp.shape) != 4 or len(out.shape) != 4:
        raise UnsupportedError(f"operator {op.index} {op.op}: needs 4-D NHWC tensors, got "
                               f"{inp.describe()} -> {out.describe()}")
    o = op.options
    stride_h, stride_w = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
    dil_h, dil_w = int(o.get("dilation_h_factor", 1) or 1), int(o.get("dilation_w_factor", 1) or 1)
    padding = o.get("padding", "VALID")
    _, in_h, in_w, in_c = inp.shape
    out_h = out_size(padding, in_h, k_h, stride_h, dil_h)
    out_w = out_size(padding, in_w, k_w, stride_w, dil_w)
    if (out.shape[1], out.shape[2]) != (out_h, out_w) or out.shape[3] != out_c:
        raise UnsupportedError(f"operator {op.index} {op.op}: output shape {list(out.shape)} does not match "
                               f"the computed [{inp.shape[0]}, {out_h}, {out_w}, {out_c}]")
    return {
        "batches": inp.shape[0], "in_h": in_h, "in_w": in_w, "in_c": in_c,
        "out_h": out_h, "out_w": out_w, "out_c": out_c, "k_h": k_h, "k_w": k_w,
        "stride_h": stride_h, "stride_w": stride_w, "dil_h": dil_h, "dil_w": dil_w,
        "pad_h": padding_before(stride_h, dil_h, in_h, k_h, out_h) if padding == "SAME" else 0,
        "pad_w": padding_before(stride_w, dil_w, in_w, k_w, out_w) if padding == "SAME" else 0,
    }


def product_scale_multiplier(input_scale: float, filter_scale: float, output_scale: float) -> tuple[int, int]:
    """TFLM's per-tensor (multiplier, shift) for a product of two quantized operands: the two scales
    multiplied in float32, then divided by the output scale in double."""
    return quantize_multiplier(float(f32(input_scale) * f32(filter_scale)) / float(f32(output_scale)))


def per_channel_multipliers(input_scale: float, filter_scales: tuple[float, ...], output_scale: float,
                            channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-output-channel (multiplier, shift) for convolutions: input_scale * filter_scale[c] /
    output_scale in double precision from the float32 scales (a per-tensor filter scale is broadcast)."""
    mults, shifts = [], []
    in_s, out_s = float(f32(input_scale)), float(f32(output_scale))
    for c in range(channels):
        filter_scale = float(f32(filter_scales[c] if len(filter_scales) > 1 else filter_scales[0]))
        m, s = quantize_multiplier(in_s * filter_scale / out_s)
        mults.append(m)
        shifts.append(s)
    return np.asarray(mults, dtype=np.int32), np.asarray(shifts, dtype=np.int32)


def fused_activation(op: Operator) -> str:
    return str(op.options.get("fused_activation_function", "NONE"))


def broadcast(graph: Graph, op: Operator) -> dict:
    """The `tl_broadcast` struct for a two-input elementwise operator (numpy broadcasting rules)."""
    a, b = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]]
    out = graph.tensors[op.outputs[0]]
    rank = 6
    if max(len(a.shape), len(b.shape), len(out.shape)) > rank:
        raise UnsupportedError(f"operator {op.index} {op.op}: rank above {rank} is not supported")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise UnsupportedError(f"operator {op.index} {op.op}: shapes {list(a.shape)} and {list(b.shape)} "
                               f"do not broadcast") from None
    if tuple(shape) != tuple(out.shape) and int(np.prod(shape)) != out.num_elements:
        raise UnsupportedError(f"operator {op.index} {op.op}: output {out.describe()} is not the broadcast "
                               f"shape {list(shape)}")
    dims = [1] * (rank - len(shape)) + list(shape)

    def strides(s: tuple[int, ...]) -> list[int]:
        padded = [1] * (rank - len(s)) + list(s)
        result, step = [0] * rank, 1
        for axis in range(rank - 1, -1, -1):
            result[axis] = 0 if padded[axis] == 1 and dims[axis] != 1 else step
            step *= padded[axis]
        return result

    return {"count": int(np.prod(dims)), "same_shape": int(tuple(a.shape) == tuple(b.shape) == tuple(shape)),
            "dims": dims, "strides_a": strides(a.shape), "strides_b": strides(b.shape)}


# Integer arithmetic of toolchain/runtime/tl_quant.h, for constants precomputed here (lookup tables).
def sat_rounding_doubling_high_mul(a: int, b: int) -> int:
    if a == b == -2**31:
        return 2**31 - 1
    return (a * b + (1 << 30)) >> 31


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def multiply_by_quantized_multiplier_smaller_than_one(x: int, multiplier: int, shift: int) -> int:
    return rounding_divide_by_pot(sat_rounding_doubling_high_mul(x, multiplier), -shift)
