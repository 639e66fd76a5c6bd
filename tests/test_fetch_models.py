"""scripts/fetch_models.py pins the very files the tests run on: each pin is the SHA-256 of the copy in
../shared/models, files already present are kept without a download, and the kws sample's C array
reads back to the same int8 input. Offline: no download happens here."""
from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys

import numpy as np
import pytest

from toolchain import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location("fetch_models", PROJECT_ROOT / "scripts" / "fetch_models.py")
fetch = importlib.util.module_from_spec(_spec)
sys.modules["fetch_models"] = fetch
_spec.loader.exec_module(fetch)


def test_pins_are_the_shared_models_and_cover_every_one(models_dir):
    shared = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in models_dir.glob("*.tflite")}
    assert shared == {name: digest for name, (_, digest) in fetch.MODELS.items()}
    sample = np.load(models_dir / fetch.KWS_SAMPLE)
    assert sample.shape == fetch.KWS_SAMPLE_SHAPE
    assert hashlib.sha256(sample.tobytes()).hexdigest() == fetch.KWS_SAMPLE_SHA256


def test_present_files_are_checked_not_downloaded(models_dir, tmp_path, monkeypatch):
    for name in fetch.MODELS:
        shutil.copy(models_dir / name, tmp_path / name)
    (tmp_path / "samples").mkdir()
    shutil.copy(models_dir / fetch.KWS_SAMPLE, tmp_path / fetch.KWS_SAMPLE)

    def no_network(url):
        raise AssertionError(f"downloaded {url}")

    monkeypatch.setattr(fetch, "download", no_network)
    for name, (url, digest) in fetch.MODELS.items():
        assert fetch.fetch_model(tmp_path / name, url, digest) == "present"
    assert fetch.fetch_kws_sample(tmp_path / fetch.KWS_SAMPLE) == "present"


def test_a_download_that_differs_from_its_pin_is_refused_and_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "download", lambda url: b"not the model")
    url, digest = fetch.MODELS["kws_ref_model.tflite"]
    with pytest.raises(fetch.FetchError, match="not the pinned"):
        fetch.fetch_model(tmp_path / "kws_ref_model.tflite", url, digest)
    assert not (tmp_path / "kws_ref_model.tflite").exists()


def test_the_kws_sample_reads_back_from_a_c_array_initializer(models_dir):
    sample = np.load(models_dir / fetch.KWS_SAMPLE)
    rows = ",\n    ".join(", ".join(str(v) for v in row) for row in sample.reshape(49, 10))
    source = ("#include \"kws/kws_input_data.h\"\n"
              f"const int8_t g_kws_inputs[kNumKwsTestInputs][kKwsInputSize] = {{{{\n    {rows}}}}};\n")
    np.testing.assert_array_equal(fetch.kws_sample_from_c_array(source), sample)
    with pytest.raises(fetch.FetchError, match="holds 3 values"):
        fetch.kws_sample_from_c_array("const int8_t x[3] = {1, 2, 3};")
