"""Cortex-M55 (MVE/Helium) kernels: the generator picks them for the board's core, re-lays their
constants as the C expects, and their C compiles warning-free for the M55. Bit-exactness on the
emulated M55, per operator, is tests/test_opcheck_qemu.py (qemu_mps3_an547)."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from tests.conftest import SHARED_MODELS, require
from toolchain.codegen import generate_c, write_sources
from toolchain.codegen.kernel_table import ConstArray
from toolchain.codegen.ops import _mve
from toolchain.model.reader import read_model

M55 = ["-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard", "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror"]


def test_kws_and_resnet_run_mve_kernels_except_where_none_exists(kws_model, resnet_model):
    kws = generate_c(read_model(kws_model), target="cortex-m55")
    assert [kws.kernels[i].function for i in range(9)] == (
        ["tl_conv_2d_int8_mve"] + ["tl_depthwise_conv_2d_int8_mve", "tl_conv_2d_int8_mve"] * 4)
    assert (kws.kernels[9].function, kws.kernels[11].function) == ("tl_average_pool_2d_int8_mve",
                                                                  "tl_fully_connected_int8_mve")
    assert "tl_mve.h" in kws.files and "conv_2d_int8.c" not in kws.files
    resnet = generate_c(read_model(resnet_model), target="cortex-m55")
    assert {k.function for k in resnet.kernels.values() if k.op in ("CONV_2D", "ADD")} == {"tl_conv_2d_int8_mve",
                                                                                     "tl_add_int8_mve"}
    # The arena does not grow: windows are read in place, only odd-shaped ones are gathered.
    assert resnet.arena_bytes == generate_c(read_model(resnet_model)).arena_bytes


def test_micro_speech_one_input_channel_depthwise_runs_as_the_m55_convolution(models_dir):
    graph = read_model(models_dir / "micro_speech_quantized.tflite")
    sources = generate_c(graph, target="cortex-m55")
    assert sources.kernels[1].op == "DEPTHWISE_CONV_2D" and sources.kernels[1].function == "tl_conv_2d_int8_mve"
    assert sources.arena_bytes == generate_c(graph).arena_bytes  # rows read in place: no scratch


def test_matvec_weights_put_each_chunk_of_four_channels_together():
    rows = np.arange(6 * 20, dtype=np.int64).reshape(6, 20).astype(np.int8)  # 6 channels, 20 taps
    laid = _mve.matvec_weights(rows).values.reshape(2, 2, 4, 16)  # [block][chunk][channel][tap]
    assert (laid[0, 0, 1] == rows[1, :16]).all()
    assert (laid[0, 1, 2, :4] == rows[2, 16:]).all() and not laid[0, 1, 2, 4:].any()
    assert (laid[1, 0, 1] == rows[5, :16]).all() and not laid[1, :, 2:].any()


def test_output_stage_lays_bias_multiplier_and_split_shifts_per_block():
    portable = {"output_offset": -3, "act_min": -128, "act_max": 127,
                "folded_bias": ConstArray("folded_bias", "int32", np.array([10, 11, 12, 13, 14], np.int32)),
                "multiplier": ConstArray("multiplier", "int32", np.array([2**30] * 5, np.int32)),
                "shift": ConstArray("shift", "int32", np.array([1, -2, 0, -31, 3], np.int32))}
    stage = _mve.output_stage(portable)
    laid = stage["channels"].values.reshape(2, 4, 4)  # [block][bias, multiplier, left, right][lane]
    assert laid[0].tolist() == [[10, 11, 12, 13], [2**30] * 4, [1, 0, 0, 0], [0, -2, 0, -31]]
    assert laid[1].tolist() == [[14, 0, 0, 0], [2**30, 0, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0]]
    assert (stage["zero_point"], stage["act_min"], stage["act_max"]) == (-3, -128, 127)


def test_depthwise_even_then_odd_matches_vmull_lanes():
    assert _mve.even_then_odd(np.arange(16)).tolist() == [0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15]


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_generated_c_compiles_strictly_for_the_m55(model, tmp_path):
    require(shutil.which("arm-none-eabi-gcc"), "arm-none-eabi-gcc not installed (scripts/setup.sh)")
    sources = generate_c(read_model(model), target="cortex-m55")
    write_sources(sources, tmp_path)
    for c_file in sources.c_files():
        result = subprocess.run(["arm-none-eabi-gcc", *M55, "-c", c_file, "-o", f"{c_file}.o"], cwd=tmp_path,
                                capture_output=True, text=True)
        assert result.returncode == 0, f"{c_file}: {result.stderr}"
