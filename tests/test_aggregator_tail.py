"""The aggregator's tail stage (split computing) against a real `aggregator serve --tail` process:
feature maps from the head become the whole model's outputs; feature maps that do not fit the
tail are rejected as a whole batch with the reason, nothing stored."""
from __future__ import annotations

import json
import sqlite3
import subprocess

import numpy as np
import pytest

from tests.aggregator_support import TINYLARGE, add_device, post_batch, start_server
from toolchain.model.reader import read_model
from toolchain.reference import reference_outputs
from toolchain.split import write_split

SAMPLES = 6


@pytest.fixture(scope="module")
def kws_split(kws_model, tmp_path_factory):
    files = write_split(read_model(kws_model), 8, tmp_path_factory.mktemp("split"))  # 25x5x64 = 8000 values
    x = np.random.default_rng(5).integers(-128, 128, (SAMPLES, 1, 49, 10, 1)).astype(np.int8)
    features = reference_outputs(files.head_path, [x])[0].reshape(SAMPLES, -1)
    whole = reference_outputs(kws_model, [x])[0].reshape(SAMPLES, -1)
    return files, features, whole


def test_tail_turns_feature_maps_into_the_whole_models_outputs(kws_split, kws_model, tmp_path):
    files, features, whole = kws_split
    head_out = read_model(files.head_path).output_tensors[0].quant
    quant = {"scale": head_out.scale[0], "zero_point": head_out.zero_point[0]}
    db = tmp_path / "agg.db"
    token = add_device(str(db), "dev")
    server = start_server(str(db), "--tail", str(files.tail_path))
    try:
        results = [{"seq": i, "output": features[i].tolist()} for i in range(SAMPLES)]
        rejected = [
            ({"results": [{"seq": 0, "output": features[0][:-1].tolist()}], "output_quant": quant},
             "results.0.output: has 7999 values, the tail tail.tflite takes 8000 (int8[1,25,5,64])"),
            ({"results": [{"seq": 0, "output": [0.5] + features[0][1:].tolist()}]},
             "results.0.output: a feature map holds int8 integers, got values outside [-128, 127] or with fractions"),
            ({"results": results, "output_quant": {"scale": quant["scale"] * 2, "zero_point": quant["zero_point"]}},
             "the device runs another head"),
        ]
        for fields, reason in rejected:
            answer = post_batch(server.url, token, {"device": "dev", "session": "s", **fields})
            assert answer.status_code == 422 and reason in answer.json()["error"], answer.text
        answer = post_batch(server.url, token, {"device": "dev", "session": "s", "results": results,
                                                "output_quant": quant})
        assert answer.status_code == 200 and answer.json()["accepted"] == SAMPLES, answer.text
    finally:
        server.stop()
    out = read_model(kws_model).output_tensors[0].quant
    with sqlite3.connect(db) as conn:
        stored = [json.loads(o) for (o,) in conn.execute("SELECT output FROM results ORDER BY seq")]
    raw = np.round(np.array(stored) / out.scale[0] + out.zero_point[0]).astype(np.int64)
    assert np.array_equal(raw, whole.astype(np.int64))


def test_serve_refuses_a_tail_it_cannot_use(tmp_path):
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"\x10\x00\x00\x00TFL3" + bytes(40))
    for tail, reason in [(tmp_path / "missing.tflite", "missing.tflite: no such file"),
                         (garbage, "garbage.tflite: ")]:
        bad = subprocess.run([*TINYLARGE, "aggregator", "serve", "--db", str(tmp_path / "a.db"), "--port", "0",
                              "--tail", str(tail)], capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2, bad.stderr
        assert bad.stderr.strip().startswith("error: tail model") and reason in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
