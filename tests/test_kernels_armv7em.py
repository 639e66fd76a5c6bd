"""The Armv7E-M DSP kernels (Cortex-M4 and Cortex-M7): which operators take them, the requantization
identity they rely on, the exact fallback on the emulated CPU, and the arena they leave unchanged."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from tests.conftest import SHARED_MODELS
from toolchain.codegen import generate_c, write_sources
from toolchain.codegen.ops import armv7em_dsp
from toolchain.emulators.opcheck import check_on_target
from toolchain.model.reader import read_model

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
        "kernels/cortex-m4/conv_2d_int8_dsp.c", "kernels/cortex-m4/depthwise_conv_2d_int8_dsp.c"}


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
    assert report.ok and report.cpu_kernel_operators == list(range(9)), report.summary()
