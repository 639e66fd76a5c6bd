"""`tinylarge inspect` and `boards` as a user runs them: JSON figures, exit codes, one-line errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

from toolchain.model.graph import Graph, Operator, Quantization, Tensor
from toolchain.model.writer import write_model


def run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "toolchain.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=120, **kwargs)


def assert_one_line_error(result, code, pattern):
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert pattern in lines[0]


@pytest.fixture(scope="module")
def kws_json(kws_model):
    result = run("inspect", kws_model, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_inspect_json(kws_json):
    assert len(kws_json["operators"]) == 13
    assert kws_json["operators"][0]["op"] == "CONV_2D"
    assert kws_json["operators"][0]["macs"] == 320_000
    assert kws_json["total_macs"] == sum(o["macs"] for o in kws_json["operators"])
    assert kws_json["weight_bytes"] == 24_376
    assert kws_json["arena_bytes"] == 16_000
    assert kws_json["tflm_arena_bytes"] == 24_272
    assert kws_json["unsupported_ops"] == []


def test_inspect_table_and_fit(kws_model):
    result = run("inspect", kws_model, "--board", "qemu_netduinoplus2")
    assert result.returncode == 0, result.stderr
    assert "DEPTHWISE_CONV_2D" in result.stdout and "fits" in result.stdout
    assert "24,272" in result.stdout  # TFLM's arena


def _huge_fc_model(path):
    """A float FULLY_CONNECTED with 2 MB of weights: fits no 512 KB flash."""
    rng = np.random.default_rng(0)
    q = Quantization((0.1,), (0,))
    tensors = [Tensor(0, "x", (1, 1024), "int8", q),
               Tensor(1, "w", (512, 1024), "int8", Quantization((0.01,), (0,)),
                      data=rng.integers(-127, 127, (512, 1024), dtype=np.int8)),
               Tensor(2, "b", (512,), "int32", Quantization((0.001,), (0,)), data=np.zeros(512, np.int32)),
               Tensor(3, "y", (1, 512), "int8", q)]
    op = Operator(0, "FULLY_CONNECTED", (0, 1, 2), (3,), {"fused_activation_function": "NONE"})
    write_model(Graph(tensors, [op], (0,), (3,)), path)


def test_inspect_does_not_fit_exit_3(tmp_path):
    model = tmp_path / "huge.tflite"
    _huge_fc_model(model)
    result = run("inspect", model, "--board", "nucleo_f446re")
    assert result.returncode == 3, result.stderr
    assert "does not fit" in result.stderr and "524,288" in result.stderr


@pytest.mark.parametrize("make,pattern", [
    (lambda p: None, "no such file"),
    (lambda p: p.write_bytes(b"not a model at all"), "not a TensorFlow Lite flatbuffer"),
    (lambda p: p.write_bytes(open(p.parent / "src.tflite", "rb").read()[:3000]), "huge.tflite"),
])
def test_inspect_bad_model(tmp_path, kws_model, make, pattern):
    (tmp_path / "src.tflite").write_bytes(kws_model.read_bytes())
    target = tmp_path / "huge.tflite"
    make(target)
    assert_one_line_error(run("inspect", target), 2, pattern)


def test_inspect_reports_unsupported_operators_and_exits_2(tmp_path):
    """SIN has no kernel: the report still lists every operator, then one error line and exit 2."""
    tensors = [Tensor(0, "x", (1, 8), "float32"), Tensor(1, "e", (1, 8), "float32"),
               Tensor(2, "y", (1, 8), "float32")]
    ops = [Operator(0, "SIN", (0,), (1,)), Operator(1, "RELU", (1,), (2,))]
    model = tmp_path / "sin.tflite"
    write_model(Graph(tensors, ops, (0,), (2,)), model)
    result = run("inspect", model, "--json")
    report = json.loads(result.stdout)
    assert [o["op"] for o in report["operators"]] == ["SIN", "RELU"]
    assert [(u["index"], u["op"], u["types"]) for u in report["unsupported_ops"]] == [(0, "SIN", "float32->float32")]
    assert_one_line_error(result, 2, "operator 0 SIN (float32->float32)")


def test_inspect_a_model_tflm_cannot_run(tmp_path):
    """A custom operator: TFLM has no kernel either, yet our figures are still reported."""
    tensors = [Tensor(0, "x", (1, 8), "float32"), Tensor(1, "y", (1, 8), "float32")]
    model = tmp_path / "custom.tflite"
    write_model(Graph(tensors, [Operator(0, "CUSTOM:MyOp", (0,), (1,))], (0,), (1,)), model)
    result = run("inspect", model, "--json")
    report = json.loads(result.stdout)
    assert report["tflm_arena_bytes"] is None and "TFLM" in report["tflm_error"]
    assert report["arena_bytes"] == 64  # two live 32-byte float tensors
    assert_one_line_error(result, 2, "operator 0 CUSTOM:MyOp")


def test_inspect_unknown_board(kws_model):
    assert_one_line_error(run("inspect", kws_model, "--board", "nope"), 2, "unknown board 'nope'")


def test_boards_json():
    result = run("boards", "--json")
    assert result.returncode == 0
    catalog = json.loads(result.stdout)
    assert len(catalog) >= 13 and catalog["qemu_mps2_an386"]["emulators"]["qemu"]["machine"] == "mps2-an386"


def test_boards_piped_prints_every_field_in_full():
    """Not a terminal (captured): one plain line per board, nothing cut to a terminal width."""
    result = run("boards")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["board", "core", "features", "flash", "RAM", "clock", "PlatformIO", "emulators"]
    by_board = {line.split()[0]: line for line in lines[1:]}
    assert len(by_board) == len(json.loads(run("boards", "--json").stdout))
    c3 = by_board["esp32-c3-devkitm-1"].split()
    assert c3[1] == "esp32c3"
    assert "espressif32/esp32-c3-devkitm-1" in by_board["esp32-c3-devkitm-1"]
    assert by_board["qemu_mps3_an547"].endswith("qemu:mps3-an547")
    assert by_board["nucleo_h743zi"].endswith("renode")
    assert not any("…" in line for line in lines) and max(map(len, lines)) > 80
