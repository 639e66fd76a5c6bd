"""Distillation and int8 quantization with TensorFlow, on a small generated data set.

One distill + quantize run is shared by the module (about half a minute on two cores).
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: keep its C++ log out of the test output
from click.testing import CliRunner  # noqa: E402

from tests.conftest import import_required  # noqa: E402

import_required("tensorflow", "TensorFlow not installed: the train extra (scripts/setup.sh)")

from toolchain.cli import main  # noqa: E402
from toolchain.distill import pipeline  # noqa: E402
from toolchain.distill.datasets import load_dataset, split  # noqa: E402
from toolchain.errors import ToolchainError  # noqa: E402
from toolchain.model.reader import read_model  # noqa: E402

pytestmark = [pytest.mark.tensorflow,
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras' own numpy 2 notices

DATA = "synthetic:vibration:600"
BOARD = "qemu_mps2_an386"
# Operators the code generator is checked bit-exact on: students must stay inside this set.
ALLOWED_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "MUL",
               "SOFTMAX", "RESHAPE", "MEAN", "CONCATENATION", "PAD", "QUANTIZE", "DEQUANTIZE", "LOGISTIC", "TANH",
               "RELU", "RELU6"}
WEIGHT_AXIS = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 0}  # output-channel axis of the filter


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("distill")
    report = pipeline.distill(DATA, out, student_arch="ds-cnn", teacher_arch="wide-cnn", epochs=4, seed=0)
    qreport = pipeline.quantize(report.student_path, DATA, out / "student.tflite", board=BOARD, seed=0)
    return out, report, qreport


def test_distill_report_and_files(run):
    out, report, _ = run
    assert (report.train_samples, report.test_samples, report.extra_samples) == (480, 120, 0)
    assert report.class_names == ["healthy", "imbalance", "misalignment", "bearing_fault", "looseness"]
    # five classes: chance is 20 %; every model must have learned the fault signatures
    assert report.teacher_accuracy >= 0.8
    assert report.student_accuracy >= 0.7 and report.baseline_accuracy >= 0.7
    assert report.student_params < report.teacher_params / 10
    for name in ("teacher.keras", "teacher.tflite", "student.keras", "student_baseline.keras", "distill.json"):
        assert (out / name).stat().st_size > 0
    saved = json.loads((out / "distill.json").read_text())
    assert saved["student_accuracy"] == report.student_accuracy
    assert saved["distillation_gain"] == pytest.approx(report.student_accuracy - report.baseline_accuracy)


def test_int8_accuracy_within_two_points_of_float(run):
    _, report, q = run
    assert q.float_accuracy == report.student_accuracy  # same held-out split in both stages
    assert q.test_samples == 120
    assert abs(q.float_accuracy - q.int8_accuracy) <= 0.02
    assert q.agreement >= 0.95


def test_int8_model_io_weights_and_operators(run):
    _, _, q = run
    graph = read_model(q.model_path)
    (inp,), (outp,) = graph.input_tensors, graph.output_tensors
    assert (inp.dtype, inp.shape) == ("int8", (1, 128, 3))
    assert (outp.dtype, outp.shape) == ("int8", (1, 5))
    assert outp.quant.scale == (pytest.approx(1 / 256),) and outp.quant.zero_point == (-128,)  # softmax output
    assert (inp.quant.scale[0], inp.quant.zero_point[0]) == (pytest.approx(q.input.scale), q.input.zero_point)
    ops = [op.op for op in graph.operators]
    assert set(ops) <= ALLOWED_OPS
    assert {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"} <= set(ops)
    for op in graph.operators:
        if op.op not in WEIGHT_AXIS:
            continue
        weights, bias = graph.tensor(op.inputs[1]), graph.tensor(op.inputs[2])
        channels = weights.shape[WEIGHT_AXIS[op.op]]
        assert weights.dtype == "int8" and weights.is_constant
        assert weights.quant.per_channel and len(weights.quant.scale) == channels
        assert weights.quant.axis == WEIGHT_AXIS[op.op]
        assert set(weights.quant.zero_point) == {0}  # symmetric weights
        assert bias.dtype == "int32" and len(bias.quant.scale) == channels


def test_heldout_export_is_what_the_device_sees(run):
    from tflite_micro import runtime

    _, _, q = run
    saved = np.load(q.heldout_path)
    test = split(load_dataset(DATA, 0), pipeline.TEST_FRACTION, 0).test
    assert saved["x"].dtype == np.int8 and saved["x"].shape == (120, 128, 3)
    assert saved["y"].tolist() == test.y.tolist()
    assert (float(saved["input_scale"]), int(saved["input_zero_point"])) == (pytest.approx(q.input.scale),
                                                                             q.input.zero_point)
    expected = np.clip(np.round(test.x / q.input.scale) + q.input.zero_point, -128, 127)
    np.testing.assert_array_equal(saved["x"], expected)
    interpreter = runtime.Interpreter.from_file(q.model_path)
    hits = 0
    for sample, label in zip(saved["x"], saved["y"]):
        interpreter.set_input(sample[None], 0)
        interpreter.invoke()
        hits += int(np.argmax(interpreter.get_output(0)) == label)
    assert hits / len(saved["y"]) == q.int8_accuracy


def test_field_samples_for_the_device(run, tmp_path):
    _, _, q = run
    count = pipeline.export_device_samples("synthetic:vibration:40", q.model_path, tmp_path / "field.npz", seed=7)
    saved = np.load(tmp_path / "field.npz")
    fresh = load_dataset("synthetic:vibration:40", 7)
    assert count == 40 and saved["x"].dtype == np.int8 and saved["x"].shape == (40, 128, 3)
    np.testing.assert_array_equal(saved["x"], np.clip(np.round(fresh.x / q.input.scale) + q.input.zero_point,
                                                      -128, 127))
    assert saved["y"].tolist() == fresh.y.tolist()
    np.savez(tmp_path / "narrow.npz", x=np.zeros((5, 7), dtype=np.float32), y=np.zeros(5, dtype=np.int64))
    with pytest.raises(ToolchainError, match=r"samples of shape \[7\] do not fit the input int8\[1,128,3\]"):
        pipeline.export_device_samples(str(tmp_path / "narrow.npz"), q.model_path, tmp_path / "x.npz")


def test_student_fits_the_default_board_with_every_operator_supported(run):
    _, _, q = run
    assert q.board["board"] == BOARD
    assert q.board["unsupported"] == []
    assert q.board["fit"]["fits"] and q.board["ok"]
    assert q.board["fit"]["flash_needed"] > q.model_bytes // 2  # the weights are counted


def test_generated_c_is_bit_exact_with_tflm_on_the_student(run):
    from toolchain.codegen import verify

    report = verify.verify_model(run[2].model_path, samples=40, seed=1)
    assert report.samples == 40 and report.ok, report.first_mismatch


def test_teacher_tflite_is_float_batch_one_and_agrees_with_keras(run):
    from tflite_micro import runtime

    out, report, _ = run
    graph = read_model(report.teacher_tflite_path)
    assert graph.input_tensors[0].dtype == "float32" and graph.input_tensors[0].shape == (1, 128, 3)
    interpreter = runtime.Interpreter.from_file(report.teacher_tflite_path)
    test = split(load_dataset(DATA, 0), pipeline.TEST_FRACTION, 0).test
    picks = []
    for sample in test.x[:40]:
        interpreter.set_input(sample[None], 0)
        interpreter.invoke()
        picks.append(int(np.argmax(interpreter.get_output(0))))
    import keras

    expected = np.argmax(keras.models.load_model(out / "teacher.keras").predict(test.x[:40], verbose=0), axis=1)
    assert picks == expected.tolist()


def test_extra_data_with_a_given_teacher_via_cli(run, tmp_path):
    out, report, _ = run
    train = split(load_dataset(DATA, 0), pipeline.TEST_FRACTION, 0).train
    np.savez(tmp_path / "hard.npz", x=train.x[:30] * 1.5, y=train.y[:30])
    result = CliRunner().invoke(main, [
        "distill", "--data", DATA, "--teacher", str(out / "teacher.keras"), "--student-arch", "mlp:0.5",
        "--epochs", "1", "--extra-data", str(tmp_path / "hard.npz"), "-o", str(tmp_path / "round2"), "--json"])
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert (again["train_samples"], again["extra_samples"]) == (510, 30)
    assert again["teacher"] == str(out / "teacher.keras")
    assert again["teacher_accuracy"] == report.teacher_accuracy  # the same teacher, the same held-out split
    assert again["student_arch"] == "mlp:0.5"


def test_quantize_cli_takes_data_from_distill_json_and_is_repeatable(run, tmp_path):
    """Without --data the CLI reads data and seed from distill.json: the same split, the same bytes."""
    _, report, q = run
    runner = CliRunner()
    table = runner.invoke(main, ["quantize", report.student_path, "-o", str(tmp_path / "s.tflite")])
    assert table.exit_code == 0, table.output
    assert "int8 (TFLM interpreter)" in table.stdout and f"{q.int8_accuracy:.1%}" in table.stdout
    assert (tmp_path / "s.tflite").read_bytes() == open(q.model_path, "rb").read()  # conversion is deterministic
    lone = tmp_path / "lone.keras"
    lone.write_bytes(open(report.student_path, "rb").read())
    orphan = runner.invoke(main, ["quantize", str(lone), "-o", str(tmp_path / "u.tflite")])
    assert orphan.exit_code == 2
    assert orphan.stderr == f"error: {lone}: no distill.json beside it to take the data from; give --data\n"
    bad = runner.invoke(main, ["quantize", report.student_path, "--data", "synthetic:vibration:50", "-o",
                               str(tmp_path / "t.tflite"), "--board", "no_such_board"])
    assert bad.exit_code == 2 and "unknown board 'no_such_board'" in bad.output


@pytest.mark.parametrize("arch, sample_shape", [
    ("mlp", (128, 3)), ("cnn", (128, 3)), ("mobilenet:0.25", (128, 3)),
    ("cnn", (12, 12, 1)), ("ds-cnn", (10, 10, 3)), ("mobilenet:0.5", (16, 16, 3)), ("ds-cnn", (20,)),
])
def test_every_student_family_converts_to_supported_operators(arch, sample_shape, tmp_path):
    """Untrained students of each family and input kind: the int8 graph uses only allowed operators."""
    from toolchain.distill.architectures import STUDENTS, build_student, parse_arch
    from toolchain.distill.quantize import to_int8_tflite
    from toolchain.model.reader import parse_model

    model = build_student(parse_arch(arch, STUDENTS), sample_shape, 4)
    representative = np.random.default_rng(0).normal(size=(8, *sample_shape)).astype(np.float32)
    graph = parse_model(to_int8_tflite(model, representative))
    assert {op.op for op in graph.operators} <= ALLOWED_OPS
    assert graph.input_tensors[0].shape == (1, *sample_shape)
    assert graph.output_tensors[0].dtype == "int8"
