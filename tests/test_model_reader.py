"""The .tflite reader on the shared reference models: exact structure, options, quantization, MACs."""
import dataclasses

import numpy as np
import pytest

from toolchain.errors import ModelError
from toolchain.model.analysis import operator_costs
from toolchain.model.reader import parse_model, read_model
from toolchain.model.writer import serialize_model


def test_kws_structure(kws_model):
    g = read_model(kws_model)
    assert len(g.operators) == 13
    assert [op.op for op in g.operators] == (
        ["CONV_2D"] + ["DEPTHWISE_CONV_2D", "CONV_2D"] * 4 + ["AVERAGE_POOL_2D", "RESHAPE",
                                                               "FULLY_CONNECTED", "SOFTMAX"])
    (x,) = g.input_tensors
    (y,) = g.output_tensors
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((1, 49, 10, 1), "int8", (1, 12), "int8")
    assert len(g.sha256) == 64 and g.model_hash == g.sha256[:16]


def test_kws_first_conv_options_and_per_channel_quantization(kws_model):
    g = read_model(kws_model)
    conv = g.operators[0]
    assert conv.options["padding"] == "SAME"
    assert (conv.options["stride_h"], conv.options["stride_w"]) == (2, 2)
    assert (conv.options["dilation_h_factor"], conv.options["dilation_w_factor"]) == (1, 1)
    assert conv.options["fused_activation_function"] == "RELU"
    x, w, b = g.op_inputs(conv)
    assert w.shape == (64, 10, 4, 1) and w.dtype == "int8" and w.data.shape == w.shape
    assert w.quant.per_channel and len(w.quant.scale) == 64 and w.quant.axis == 0
    assert set(w.quant.zero_point) == {0}
    assert b.dtype == "int32" and b.data.shape == (64,)
    dw = g.operators[1]
    assert dw.options["depth_multiplier"] == 1
    assert g.op_inputs(dw)[1].quant.axis == 3


def test_macs_by_hand(kws_model, resnet_model):
    kws = operator_costs(read_model(kws_model))
    # Conv 0: output 25x5x64, kernel 10x4 over 1 input channel.
    assert kws[0].macs == 25 * 5 * 64 * (10 * 4 * 1)
    # Pointwise conv 2: output 25x5x64, kernel 1x1 over 64 channels.
    assert kws[2].macs == 25 * 5 * 64 * 64
    # Depthwise 1: output 25x5x64, kernel 3x3 per channel.
    assert kws[1].macs == 25 * 5 * 64 * 9
    # Fully connected 11: 64 inputs -> 12 outputs.
    assert kws[11].macs == 64 * 12
    resnet = operator_costs(read_model(resnet_model))
    # First conv: 32x32x16 outputs, 3x3 kernel over 3 channels.
    assert resnet[0].macs == 32 * 32 * 16 * 3 * 3 * 3
    conv_fc = sum(c.macs for c in resnet if c.op in ("CONV_2D", "FULLY_CONNECTED"))
    assert conv_fc == (32 * 32 * 16 * 27 + 2 * 32 * 32 * 16 * 144            # stem + block 1
                       + 16 * 16 * 32 * (144 + 288 + 16)                  # block 2 + 1x1 shortcut
                       + 8 * 8 * 64 * (288 + 576 + 32)                    # block 3 + 1x1 shortcut
                       + 64 * 10)                                         # classifier


def test_weight_bytes(kws_model):
    g = read_model(kws_model)
    costs = operator_costs(g)
    assert costs[0].weight_bytes == 64 * 10 * 4 + 64 * 4  # int8 kernel + int32 bias
    assert g.weight_bytes() == sum(c.weight_bytes for c in costs)


def test_every_shared_model_reads(models_dir):
    counts = {p.name: len(read_model(p).operators) for p in sorted(models_dir.glob("*.tflite"))}
    assert counts == {"hello_world_float.tflite": 3, "hello_world_int8.tflite": 3,
                      "kws_ref_model.tflite": 13, "micro_speech_quantized.tflite": 4,
                      "pretrainedResnet_quant.tflite": 16}


def test_float_model_has_no_quantization(models_dir):
    g = read_model(models_dir / "hello_world_float.tflite")
    assert all(t.quant is None for t in g.tensors)
    fc_weights = g.op_inputs(g.operators[0])[1]
    assert fc_weights.dtype == "float32" and fc_weights.data.dtype == np.float32


@pytest.mark.parametrize("data,message", [
    (b"", "not a TensorFlow Lite flatbuffer"),
    (b"hello world, not a model", "not a TensorFlow Lite flatbuffer"),
    (b"\x00\x00\x00\x00TFL3" + b"\xff" * 8, "corrupted|no subgraph"),
])
def test_bad_bytes(data, message):
    with pytest.raises(ModelError, match=message):
        parse_model(data)


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="no such file"):
        read_model(tmp_path / "nope.tflite")


def _conv_with_bias_axis(bias_axis: int, bias_scales: int = 8):
    """A per-channel int8 CONV_2D (8 output channels) whose 1-D bias carries `bias_axis` as its
    quantized_dimension, as old converters wrote it (copied from the filter)."""
    from opmodels import GraphBuilder
    from toolchain.model.graph import Quantization

    rng = np.random.default_rng(12)
    b = GraphBuilder()
    x = b.tensor((1, 5, 5, 3), "int8", Quantization(scale=(0.05,), zero_point=(-3,)))
    w_scales = tuple(float(np.float32(s)) for s in rng.uniform(0.005, 0.03, 8))
    w = b.tensor((8, 3, 3, 3), "int8", Quantization(scale=w_scales, zero_point=(0,) * 8, axis=0),
                 data=rng.integers(-127, 128, (8, 3, 3, 3)))
    bias_q = Quantization(scale=tuple(float(np.float32(0.05 * s)) for s in w_scales[:bias_scales]),
                          zero_point=(0,) * bias_scales, axis=bias_axis)
    bias = b.tensor((8,), "int32", bias_q, data=rng.integers(-3000, 3000, 8))
    y = b.tensor((1, 3, 3, 8), "int8", Quantization(scale=(0.1,), zero_point=(5,)))
    b.op("CONV_2D", (x, w, bias), (y,), {"padding": "VALID", "stride_w": 1, "stride_h": 1,
                                         "fused_activation_function": "NONE", "dilation_w_factor": 1,
                                         "dilation_h_factor": 1}, version=3)
    return b.graph((x,), (y,))


def test_bias_quantized_dimension_from_the_filter_is_accepted_like_tflm():
    """quantized_dimension 3 on a 1-D bias with one scale per element reads as axis 0; the model
    then runs bit-exact with TFLM (which ignores the bias's quantized_dimension)."""
    from opcheck import compare
    from toolchain.model.writer import serialize_model

    data = serialize_model(_conv_with_bias_axis(3))
    graph = parse_model(data)
    bias = graph.tensors[graph.operators[0].inputs[2]]
    assert bias.quant.axis == 0 and len(bias.quant.scale) == 8
    x = np.random.default_rng(3).integers(-128, 128, (4, 1, 5, 5, 3)).astype(np.int8)
    outcome = compare([("conv", graph, [x])], sanitize=lambda index, label: False)[0]
    assert outcome.mismatch() is None, outcome.mismatch()
    assert len(np.unique(outcome.got[0])) > 10


@pytest.mark.parametrize("bias_axis,bias_scales,message", [
    (3, 7, r"tensor 2: 7 per-channel scales do not match axis 3 of \[8\]"),
    (-1, 7, r"tensor 2: 7 per-channel scales do not match axis -1 of \[8\]"),
])
def test_other_per_channel_inconsistencies_stay_errors(bias_axis, bias_scales, message):
    data = serialize_model(_conv_with_bias_axis(bias_axis, bias_scales))
    with pytest.raises(ModelError, match=message):
        parse_model(data)


def test_per_channel_axis_beyond_a_filter_stays_an_error():
    graph = _conv_with_bias_axis(0)
    filt = graph.tensors[1]
    graph.tensors[1] = dataclasses.replace(filt, quant=dataclasses.replace(filt.quant, axis=4))
    with pytest.raises(ModelError, match=r"tensor 1: 8 per-channel scales do not match axis 4 of \[8, 3, 3, 3\]"):
        parse_model(serialize_model(graph))
