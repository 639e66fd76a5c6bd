"""int16 activations (16x8: int8 weights, int64 bias) for CONV_2D, DEPTHWISE_CONV_2D and
FULLY_CONNECTED: seeded random single-operator models, every output byte equal to TFLM's."""
from __future__ import annotations

import math

import numpy as np
import pytest

from toolchain.codegen.host import HostModel
from toolchain.model.graph import Graph, Operator, Quantization, Tensor
from toolchain.model.reader import read_model
from toolchain.model.writer import write_model
from toolchain.reference import reference_outputs

MODELS_PER_OP = 6
SAMPLES = 8
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def _f32(x: float) -> float:
    return float(np.float32(x))


def _window(rng):
    while True:
        in_h, in_w = (int(v) for v in rng.integers(1, 8, 2))
        k_h, k_w = (int(v) for v in rng.integers(1, 4, 2))
        padding = str(rng.choice(["SAME", "VALID"]))
        stride = int(rng.integers(1, 3))
        dilation = 1 if stride > 1 else int(rng.integers(1, 3))
        eff_h, eff_w = (k_h - 1) * dilation + 1, (k_w - 1) * dilation + 1
        out_h = (in_h + stride - 1) // stride if padding == "SAME" else (in_h - eff_h + stride) // stride
        out_w = (in_w + stride - 1) // stride if padding == "SAME" else (in_w - eff_w + stride) // stride
        if out_h > 0 and out_w > 0:
            options = {"padding": padding, "stride_w": stride, "stride_h": stride,
                       "dilation_w_factor": dilation, "dilation_h_factor": dilation}
            return in_h, in_w, k_h, k_w, out_h, out_w, options


def _model(op: str, rng) -> Graph:
    """One int16 operator: symmetric int16 activations, per-channel int8 weights, int64 bias."""
    in_scale = _f32(rng.uniform(1e-4, 1e-3))
    tensors: list[Tensor] = []

    def add(shape, dtype, quant, data=None):
        tensors.append(Tensor(len(tensors), f"t{len(tensors)}", tuple(shape), dtype, quant,
                              None if data is None else np.asarray(data, dtype=dtype).reshape(shape)))
        return len(tensors) - 1

    options = {"fused_activation_function": str(rng.choice(ACTIVATIONS))}
    if op == "FULLY_CONNECTED":
        batches, depth, units = int(rng.integers(1, 3)), int(rng.integers(1, 40)), int(rng.integers(1, 6))
        in_shape, w_shape, out_shape, channels, axis, taps = (batches, depth), (units, depth), (batches, units), \
            units, 0, depth
        per_channel = False
    else:
        in_h, in_w, k_h, k_w, out_h, out_w, window = _window(rng)
        options.update(window)
        in_c = int(rng.integers(1, 5))
        if op == "CONV_2D":
            channels = int(rng.integers(1, 6))
            w_shape, axis, taps = (channels, k_h, k_w, in_c), 0, k_h * k_w * in_c
        else:
            multiplier = int(rng.integers(1, 3))
            channels = in_c * multiplier
            w_shape, axis, taps = (1, k_h, k_w, channels), 3, k_h * k_w
            options["depth_multiplier"] = multiplier
        in_shape, out_shape, per_channel = (1, in_h, in_w, in_c), (1, out_h, out_w, channels), True
    n_scales = channels if per_channel else 1
    w_scales = tuple(_f32(s) for s in rng.uniform(0.002, 0.05, n_scales))
    x = add(in_shape, "int16", Quantization((in_scale,), (0,)))
    w = add(w_shape, "int8", Quantization(w_scales, (0,) * n_scales, axis),
            rng.integers(-127, 128, w_shape))
    b_scales = tuple(_f32(in_scale * s) for s in (w_scales if per_channel else w_scales * channels))
    bias = add((channels,), "int64", Quantization(b_scales, (0,) * channels), rng.integers(-100000, 100000, channels))
    out_scale = _f32(in_scale * max(w_scales) * 64 * math.sqrt(taps) * rng.uniform(1, 8))
    y = add(out_shape, "int16", Quantization((out_scale,), (0,)))
    ops = [Operator(0, op, (x, w, bias), (y,), options, version=4)]
    return Graph(tensors=tensors, operators=ops, inputs=(x,), outputs=(y,), name=f"{op.lower()}_int16")


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"])
def test_int16_operators_bit_exact(op, tmp_path):
    distinct = 0
    for seed in range(MODELS_PER_OP):
        rng = np.random.default_rng(seed)
        path = tmp_path / f"{op}_{seed}.tflite"
        write_model(_model(op, rng), path)
        graph = read_model(path)
        shape = graph.input_tensors[0].shape
        inputs = [rng.integers(-32768, 32768, (SAMPLES, *shape)).astype(np.int16)]
        (ours,) = HostModel(graph).run(inputs)
        (reference,) = reference_outputs(path, inputs)
        assert ours.dtype == np.int16 and ours.tobytes() == reference.tobytes(), (op, seed)
        distinct += len(np.unique(ours))
    assert distinct > 10 * MODELS_PER_OP  # real values, not a constant or fully saturated output
