"""The Armv7E-M DSP kernels (Cortex-M4 and Cortex-M7): which operators take them, the requantization
identity they rely on, the exact fallback on the emulated CPU, and the arena they leave unchanged."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from tests import opmodels
from tests.conftest import SHARED_MODELS
from toolchain.boards import load_board
from toolchain.codegen import generate_c, write_sources
from toolchain.codegen.ops import armv7em_dsp
from toolchain.emulators.opcheck import check_on_target
from toolchain.model.reader import read_model
from toolchain.model.writer import write_model

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2"]
CPU_FLAGS = {"cortex-m4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
             "cortex-m7": ["-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16"]}


def tflm_requantize(acc: np.ndarray, multiplier: int, shift: int, zero_point: int) -> np.ndarray:
    """TFLM's MultiplyByQuantizedMultiplier + zero point, written out on int64 numpy arrays."""
    left, right = max(shift, 0), max(-shift, 0)
    x = (acc.astype(np.int64) << left)
    x = (x + 2**31) % 2**32 - 2**31  # the int32 wrap of the left shift
    ab = x * multiplier
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    s = ab + nudge
    high = np.where(s >= 0, s >> 31, -((-s) >> 31))  # C division truncates toward zero
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + ((high & mask) > threshold) + zero_point


def dsp_requantize(acc: np.ndarray, row: np.ndarray) -> np.ndarray:
    """tl_dsp_requantize (tl_dsp.h): SMMULR(acc << pre, m), then one rounding add and one shift."""
    multiplier, pre, rounding, post = (int(v) for v in row)
    shifted = acc.astype(np.int64) << pre
    assert np.abs(shifted).max() < 2**31
    v = (shifted * multiplier + 2**31) >> 32
    t = 2 * v + rounding - (v < 0)
    assert np.abs(t).max() < 2**31
    return t >> post


@pytest.mark.parametrize("shift", [-12, -7, -1, 0, 2])
def test_fast_requantization_equals_tflm_within_the_proved_bound(shift):
    rng = np.random.default_rng(shift + 100)
    for _ in range(40):
        multiplier = int(rng.integers(2**30, 2**31))
        zero_point = int(rng.integers(-128, 128))
        bound = int(rng.integers(1, 2**29 >> max(shift, 0)))
        table = armv7em_dsp.fast_requant_table(np.array([bound]), np.array([multiplier]), np.array([shift]),
                                               zero_point)
        assert table is not None
        acc = np.concatenate([rng.integers(-bound, bound + 1, 20000), [-bound, bound, 0, 1, -1]])
        # rounding ties: accumulators whose product lands exactly on a half
        assert (dsp_requantize(acc, table) == tflm_requantize(acc, multiplier, shift, zero_point)).all()


def test_the_proof_refuses_accumulators_that_could_overflow():
    assert armv7em_dsp.fast_requant_table(np.array([2**30]), np.array([2**30]), np.array([-5]), 0) is None
    assert armv7em_dsp.fast_requant_table(np.array([2**28]), np.array([2**30]), np.array([3]), 0) is None
    assert armv7em_dsp.fast_requant_table(np.array([1000]), np.array([2**30]), np.array([-5]), 7) is not None


@pytest.mark.parametrize("cpu", ["cortex-m4", "cortex-m7"])
def test_int8_convolutions_take_the_dsp_kernels(cpu, kws_model, resnet_model):
    kws = generate_c(read_model(kws_model), target=cpu)
    functions = [k.function for k in kws.kernels.values()]
    # kws: 125 output pixels per weight, so int16 weights (wide) on every convolution
    assert functions[:9] == ["tl_conv_2d_int8_dsp_wide", "tl_depthwise_conv_2d_int8_dsp"] * 4 + ["tl_conv_2d_int8_dsp_wide"]
    resnet = [k.function for k in generate_c(read_model(resnet_model), target=cpu).kernels.values()]
    # ResNet-8: the 32x32 and 16x16 stages wide, the 8x8 stage (64 pixels, most of the weights) int8
    assert resnet[:12] == ["tl_conv_2d_int8_dsp_wide"] * 3 + ["tl_add_int8_dsp"] + ["tl_conv_2d_int8_dsp_wide"] * 3 + \
        ["tl_add_int8_dsp"] + ["tl_conv_2d_int8_dsp"] * 3 + ["tl_add_int8_dsp"]
    assert {k.c_file for k in kws.kernels.values() if k.cpu} == {
        "kernels/cortex-m4/conv_2d_int8_dsp.c", "kernels/cortex-m4/depthwise_conv_2d_int8_dsp.c",
        "kernels/cortex-m4/average_pool_2d_int8_dsp.c", "kernels/cortex-m4/fully_connected_int8_dsp.c"}


def test_a_one_channel_depthwise_runs_as_a_convolution(models_dir):
    graph = read_model(models_dir / "micro_speech_quantized.tflite")
    sources = generate_c(graph, target="cortex-m4")
    assert graph.operators[1].op == "DEPTHWISE_CONV_2D" and graph.tensors[graph.operators[1].inputs[0]].shape[-1] == 1
    assert sources.kernels[1].function == "tl_conv_2d_int8_dsp_wide"
    assert "int16_t tl_op1_filter_wide[640]" in sources.files["tl_weights.c"]  # 8 channels x 10x8 taps


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_the_arena_stays_the_portable_one(model):
    graph = read_model(model)
    assert generate_c(graph, target="cortex-m4").arena_bytes == generate_c(graph).arena_bytes


@pytest.mark.parametrize("cpu", ["cortex-m4", "cortex-m7"])
def test_generated_dsp_c_compiles_warning_free(cpu, resnet_model, kws_model, tmp_path):
    for model in (kws_model, resnet_model):
        out = tmp_path / f"{cpu}-{model.stem}"
        write_sources(generate_c(read_model(model), target=cpu), out)
        for c_file in sorted(out.glob("*.c")):
            result = subprocess.run(["arm-none-eabi-gcc", *CPU_FLAGS[cpu], *STRICT, "-c", str(c_file), "-o",
                                     str(c_file.with_suffix(".o"))], capture_output=True, text=True)
            assert result.returncode == 0, result.stderr


@pytest.mark.qemu
@pytest.mark.parametrize("wide", [True, False], ids=["int16-weights", "int8-weights"])
def test_the_exact_fallback_is_bit_exact_on_the_emulated_m4(monkeypatch, kws_model, wide):
    """Where the proof fails, TFLM's double-rounding arithmetic runs inside the same DSP kernels."""
    monkeypatch.setattr(armv7em_dsp, "fast_requant_table", lambda *args: None)
    if not wide:
        monkeypatch.setattr(armv7em_dsp, "WIDE_MIN_PIXELS", 10**9)
    sources = generate_c(read_model(kws_model), target="cortex-m4")
    conv = "tl_conv_2d_int8_dsp_wide_exact" if wide else "tl_conv_2d_int8_dsp_exact"
    assert [k.function for k in sources.kernels.values()][:2] == [conv, "tl_depthwise_conv_2d_int8_dsp_exact"]
    report = check_on_target(kws_model, "qemu_mps2_an386", samples=6)
    assert [k.function for k in sources.kernels.values()][11] == "tl_fully_connected_int8_dsp_exact"
    assert report.ok and report.cpu_kernel_operators == [*range(10), 11], report.summary()


# ---- every DSP kernel on shapes it takes, on the emulated M4 and M7 ---------------------------------

def _conv_model(rng, in_hwc, out_c, k, stride=(1, 1), dilation=(1, 1), padding="SAME"):
    (in_h, in_w, in_c), (k_h, k_w) = in_hwc, k
    b = opmodels.GraphBuilder()
    x = opmodels.act_tensor(b, rng, (1, in_h, in_w, in_c), "int8")
    w_data, w_quant = opmodels._filter(rng, (out_c, k_h, k_w, in_c), "int8", 0, True)
    w = b.tensor(w_data.shape, "int8", w_quant, data=w_data)
    bias = opmodels._bias(rng, b, "int8", b.tensors[x].quant, w_quant, out_c)
    out_h = opmodels._window_out(padding, in_h, k_h, stride[0], dilation[0])
    out_w = opmodels._window_out(padding, in_w, k_w, stride[1], dilation[1])
    y = b.tensor((1, out_h, out_w, out_c), "int8",
                 opmodels._output_quant(rng, b.tensors[x].quant, w_quant, k_h * k_w * in_c))
    b.op("CONV_2D", (x, w, bias), (y,), {
        "padding": padding, "stride_w": stride[1], "stride_h": stride[0],
        "fused_activation_function": opmodels._activation(rng), "dilation_w_factor": dilation[1],
        "dilation_h_factor": dilation[0], "quantized_bias_type": 0}, version=3)
    return b.graph((x,), (y,))


def _depthwise_model(rng, in_hwc, multiplier, k, stride=(1, 1), padding="SAME"):
    (in_h, in_w, in_c), (k_h, k_w) = in_hwc, k
    out_c = in_c * multiplier
    b = opmodels.GraphBuilder()
    x = opmodels.act_tensor(b, rng, (1, in_h, in_w, in_c), "int8")
    w_data, w_quant = opmodels._filter(rng, (1, k_h, k_w, out_c), "int8", 3, True)
    w = b.tensor(w_data.shape, "int8", w_quant, data=w_data)
    bias = opmodels._bias(rng, b, "int8", b.tensors[x].quant, w_quant, out_c)
    out_h = opmodels._window_out(padding, in_h, k_h, stride[0], 1)
    out_w = opmodels._window_out(padding, in_w, k_w, stride[1], 1)
    y = b.tensor((1, out_h, out_w, out_c), "int8", opmodels._output_quant(rng, b.tensors[x].quant, w_quant, k_h * k_w))
    b.op("DEPTHWISE_CONV_2D", (x, w, bias), (y,), {
        "padding": padding, "stride_w": stride[1], "stride_h": stride[0], "depth_multiplier": multiplier,
        "fused_activation_function": opmodels._activation(rng), "dilation_w_factor": 1, "dilation_h_factor": 1},
         version=3)
    return b.graph((x,), (y,))


def _fully_connected_model(rng, batch, depth, units):
    b = opmodels.GraphBuilder()
    x = opmodels.act_tensor(b, rng, (batch, depth), "int8")
    w_data, w_quant = opmodels._filter(rng, (units, depth), "int8", 0, False)
    w = b.tensor(w_data.shape, "int8", w_quant, data=w_data)
    bias = opmodels._bias(rng, b, "int8", b.tensors[x].quant, w_quant, units) if rng.random() < 0.7 else -1
    y = b.tensor((batch, units), "int8", opmodels._output_quant(rng, b.tensors[x].quant, w_quant, depth))
    b.op("FULLY_CONNECTED", (x, w, bias), (y,), {
        "fused_activation_function": opmodels._activation(rng), "weights_format": 0, "keep_num_dims": False,
        "asymmetric_quantize_inputs": False, "quantized_bias_type": 0}, version=4)
    return b.graph((x,), (y,))


def _add_model(rng, shape):
    b = opmodels.GraphBuilder()
    x1, x2 = opmodels.act_tensor(b, rng, shape, "int8"), opmodels.act_tensor(b, rng, shape, "int8")
    y = opmodels.act_tensor(b, rng, shape, "int8")
    b.op("ADD", (x1, x2), (y,), {"fused_activation_function": opmodels._activation(rng), "pot_scale_int16": True},
         version=2)
    return b.graph((x1, x2), (y,))


def _pool_model(rng, name, in_hwc, k, stride, padding):
    (in_h, in_w, channels), (k_h, k_w) = in_hwc, k
    b = opmodels.GraphBuilder()
    x = opmodels.act_tensor(b, rng, (1, in_h, in_w, channels), "int8")
    out_h, out_w = (opmodels._window_out(padding, n, kk, s, 1) for n, kk, s in ((in_h, k_h, stride[0]), (in_w, k_w, stride[1])))
    y = opmodels.act_tensor(b, rng, (1, out_h, out_w, channels), "int8", b.tensors[x].quant)
    b.op(name, (x,), (y,), {"padding": padding, "stride_w": stride[1], "stride_h": stride[0], "filter_width": k_w,
                            "filter_height": k_h, "fused_activation_function": opmodels._activation(rng)}, version=2)
    return b.graph((x,), (y,))


def _dsp_models(rng) -> list:
    """Shapes every DSP row takes: narrow and wide convolutions (ragged rows, borders, strides,
    dilation, one input channel), depthwise, FC, ADD and both pools (padding, the 256-tap bound)."""
    return [
        _conv_model(rng, (9, 11, 3), 4, (3, 3)),  # 99 pixels: int8 weights; 9-byte rows
        _conv_model(rng, (12, 12, 3), 8, (3, 3)),  # 144 pixels: int16 weights; ragged borders
        _conv_model(rng, (12, 10, 8), 8, (3, 3)),  # word rows, tap-by-tap borders
        _conv_model(rng, (13, 9, 4), 6, (3, 2), stride=(2, 2), padding="VALID"),
        _conv_model(rng, (12, 12, 4), 4, (3, 3), dilation=(2, 2)),
        _conv_model(rng, (11, 12, 1), 8, (4, 3)),  # one channel, rows of 3 bytes
        _conv_model(rng, (10, 10, 16), 12, (1, 1)),  # 1x1, 100 pixels
        _depthwise_model(rng, (9, 9, 8), 1, (3, 3)),
        _depthwise_model(rng, (14, 9, 1), 8, (4, 3), stride=(2, 1)),  # one input channel: a convolution
        _fully_connected_model(rng, 2, 36, 6),
        _fully_connected_model(rng, 1, 64, 10),
        _add_model(rng, (1, 6, 5, 8)),
        _add_model(rng, (3, 40)),
        _pool_model(rng, "AVERAGE_POOL_2D", (9, 7, 8), (3, 3), (2, 2), "SAME"),
        _pool_model(rng, "AVERAGE_POOL_2D", (16, 16, 4), (16, 16), (1, 1), "VALID"),  # 256 taps: the lane bound
        _pool_model(rng, "MAX_POOL_2D", (9, 7, 8), (3, 3), (2, 2), "SAME"),
        _pool_model(rng, "MAX_POOL_2D", (6, 6, 12), (2, 2), (1, 1), "VALID"),
    ]


@pytest.mark.qemu
@pytest.mark.parametrize("board", ["qemu_mps2_an386", "qemu_mps2_an500"])
@pytest.mark.parametrize("seed", [1, 2])
def test_every_dsp_kernel_is_bit_exact_on_the_emulated_cpu(board, seed, tmp_path):
    """Every operator on a DSP row, inputs starting with all -128 and all 127 (check_inputs)."""
    graph = opmodels.merge_graphs(_dsp_models(np.random.default_rng(seed)), f"dsp_kernels_{seed}")
    path = tmp_path / "dsp.tflite"
    write_model(graph, path)
    functions = [k.function for k in generate_c(graph, target=load_board(board).cpu.core).kernels.values()]
    assert functions[:2] == ["tl_conv_2d_int8_dsp", "tl_conv_2d_int8_dsp_wide"] or \
        functions[:2] == ["tl_conv_2d_int8_dsp_exact", "tl_conv_2d_int8_dsp_wide_exact"]
    assert {f.removesuffix("_exact") for f in functions} >= {
        "tl_fully_connected_int8_dsp", "tl_add_int8_dsp", "tl_average_pool_2d_int8_dsp", "tl_max_pool_2d_int8_dsp",
        "tl_depthwise_conv_2d_int8_dsp"}
    report = check_on_target(path, board, samples=8)
    assert report.cpu_kernel_operators == list(range(len(graph.operators)))
    assert report.tensors_compared == 8 * len(graph.operators)
    assert report.ok, report.summary()


def test_the_pools_and_add_leave_the_portable_shapes_alone():
    """Channels not in words, windows past 256 taps and broadcasting ADD keep the portable kernels."""
    rng = np.random.default_rng(5)
    graph = opmodels.merge_graphs([
        _pool_model(rng, "AVERAGE_POOL_2D", (9, 7, 6), (3, 3), (2, 2), "SAME"),
        _pool_model(rng, "AVERAGE_POOL_2D", (17, 16, 4), (17, 16), (1, 1), "VALID"),
        _pool_model(rng, "MAX_POOL_2D", (9, 7, 3), (3, 3), (2, 2), "SAME"),
        _fully_connected_model(rng, 1, 30, 6),
        opmodels.add(np.random.default_rng(3), "int8"),
    ])
    assert all(not k.cpu for k in generate_c(graph, target="cortex-m4").kernels.values())
