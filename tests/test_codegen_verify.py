"""`tinylarge verify`: report, --inputs/--save-outputs round trip, exit codes (0 / 1 mismatch / 2 bad input)."""
from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from toolchain.cli import main
from toolchain.codegen import verify as verify_module


def test_verify_json_and_saved_outputs(models_dir, tmp_path):
    model = models_dir / "hello_world_int8.tflite"
    inputs = np.arange(-128, 128, 8, dtype=np.int8).reshape(32, 1, 1)
    np.save(tmp_path / "x.npy", inputs)
    result = CliRunner().invoke(main, ["verify", str(model), "--inputs", str(tmp_path / "x.npy"),
                                       "--save-outputs", str(tmp_path / "y.npy"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["samples"] == 32 and report["exact_samples"] == 32 and report["exact_match_rate"] == 1.0
    assert report["max_abs_diff"] == 0.0 and report["first_mismatch"] is None and report["seed"] is None
    saved = np.load(tmp_path / "y.npy")
    assert saved.shape == (32, 1, 1) and saved.dtype == np.int8
    assert len(np.unique(saved)) > 4  # a sine: many distinct outputs, not a constant


def test_verify_reports_a_mismatch_with_exit_1(models_dir, monkeypatch):
    real_reference = verify_module.reference_outputs

    def off_by_one_at_sample_3(model, inputs):
        outs = real_reference(model, inputs)
        outs[0][3].reshape(-1)[0] += 1
        return outs

    monkeypatch.setattr(verify_module, "reference_outputs", off_by_one_at_sample_3)
    result = CliRunner().invoke(main, ["verify", str(models_dir / "hello_world_int8.tflite"), "--samples", "10",
                                       "--seed", "3"])
    assert result.exit_code == 1
    assert "9/10 samples bit-exact (90.00%), max abs diff 1" in result.output
    assert "first mismatch: sample 3, output 0" in result.output


def test_verify_rejects_inputs_of_the_wrong_shape(models_dir, tmp_path):
    np.save(tmp_path / "bad.npy", np.zeros((4, 2, 2), dtype=np.int8))
    result = CliRunner().invoke(main, ["verify", str(models_dir / "hello_world_int8.tflite"),
                                       "--inputs", str(tmp_path / "bad.npy")])
    assert result.exit_code == 2
    assert "must be (N, 1, 1) int8" in result.output


def test_verify_seed_is_deterministic(models_dir):
    graph_path = models_dir / "micro_speech_quantized.tflite"
    a = verify_module.verify_model(graph_path, samples=5, seed=11)
    b = verify_module.verify_model(graph_path, samples=5, seed=11)
    assert a.to_dict() == b.to_dict() and a.ok


def test_non_finite_float_weights_match_tflm(models_dir, tmp_path):
    from toolchain.model.reader import read_model
    from toolchain.model.writer import write_model

    graph = read_model(models_dir / "hello_world_float.tflite")
    weights = next(t for t in graph.tensors if t.is_constant and t.shape == (16, 16))
    weights.data = weights.data.copy()
    weights.data[0, 0], weights.data[1, 1] = np.inf, -np.inf
    write_model(graph, tmp_path / "inf.tflite")
    report = verify_module.verify_model(tmp_path / "inf.tflite", samples=30, seed=2)
    assert report.ok and report.samples == 30
