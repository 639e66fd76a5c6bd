"""Every shared model's generated C gives exactly TFLM's bytes: 200 seeded random inputs + the real sample."""
from __future__ import annotations

import numpy as np
import pytest

from toolchain.codegen.host import HostModel
from toolchain.codegen.verify import compare, random_inputs
from toolchain.model.reader import read_model
from toolchain.reference import reference_outputs

MODELS = ["hello_world_float", "hello_world_int8", "kws_ref_model", "micro_speech_quantized",
          "pretrainedResnet_quant"]
SAMPLES = 200


@pytest.fixture(scope="module", params=MODELS)
def model_path(request, models_dir):
    return models_dir / f"{request.param}.tflite"


def test_random_inputs_bit_exact_with_tflm(model_path):
    graph = read_model(model_path)
    inputs = random_inputs(graph, SAMPLES, seed=1234)
    ours = HostModel(graph).run(inputs)
    reference = reference_outputs(model_path, inputs)
    report = compare(graph, ours, reference, seed=1234)
    assert report.samples == SAMPLES
    assert report.first_mismatch is None, report.first_mismatch
    assert report.exact_samples == SAMPLES and report.max_abs_diff == 0.0
    for a, b in zip(ours, reference):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


def test_kws_real_sample_gives_class_5(models_dir, kws_model):
    sample = np.load(models_dir / "samples" / "kws_ref_model.input.npy")
    (out,) = HostModel(kws_model).run([sample.reshape(1, *sample.shape[-4:]) if sample.ndim == 4 else sample])
    expected = np.array([-128] * 5 + [127] + [-128] * 6, dtype=np.int8)
    assert out.shape == (1, 1, 12)
    assert out.reshape(-1).tolist() == expected.tolist()
    (reference,) = reference_outputs(kws_model, [sample.reshape(1, 1, 49, 10, 1)])
    assert reference.tobytes() == out.tobytes()
