"""The .tflite reader on the shared reference models: exact structure, options, quantization, MACs."""
import numpy as np
import pytest

from toolchain.errors import ModelError
from toolchain.model.analysis import operator_costs
from toolchain.model.reader import parse_model, read_model


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
