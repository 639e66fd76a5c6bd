"""Escalation (cascade) with a real float teacher on the TFLM interpreter, served by a real
aggregator process, then the hard-example export."""
from __future__ import annotations

import math
import sqlite3

import httpx
import numpy as np
import pytest

from aggregator_support import add_device, build_fc_softmax_teacher, post_batch, run_cli, start_server
from toolchain.aggregator.confidence import judge, judge_all
from tests.conftest import import_required

# Teacher: logits = the first three inputs (the fourth is ignored), then softmax.
WEIGHTS = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32)
BIAS = np.zeros(3, dtype=np.float32)


def _softmax(values):
    e = np.exp(np.asarray(values, dtype=np.float64) - max(values))
    return e / e.sum()


@pytest.fixture(scope="module")
def cascade_service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cascade")
    teacher = folder / "teacher.tflite"
    teacher.write_bytes(build_fc_softmax_teacher(WEIGHTS, BIAS))
    db = str(folder / "fleet.db")
    token = add_device(db, "edge-1")
    server = start_server(db, "--teacher", str(teacher), "--threshold", "0.7")
    yield server, db, token, folder
    server.stop()


def test_unsure_results_with_input_go_to_the_teacher(cascade_service):
    server, db, token, _ = cascade_service
    float_batch = {"device": "edge-1", "session": "float", "results": [
        {"seq": 0, "output": [0.05, 0.9, 0.05], "input": [0, 3, 1, 0]},            # sure: kept as is
        {"seq": 1, "output": [0.4, 0.35, 0.25], "input": [0, 3, 1, 0], "label": 1},  # unsure, teacher disagrees
        {"seq": 2, "output": [0.3, 0.5, 0.2], "input": [0, 3, 1, 0]},              # unsure, teacher agrees
        {"seq": 3, "output": [0.4, 0.35, 0.25]},                                   # unsure, but no input
    ]}
    assert post_batch(server.url, token, float_batch).json() == {"accepted": 4, "duplicates": 0, "escalated": 2}
    # int8 device: output logits q*0.1, input q*0.5 -> logits [1.0, 1.2, 0], input [4, 0, 0, 1]
    int8_batch = {"device": "edge-1", "session": "int8", "output_kind": "logits",
                  "output_quant": {"scale": 0.1, "zero_point": 0}, "input_quant": {"scale": 0.5, "zero_point": 0},
                  "results": [{"seq": 0, "output": [10, 12, 0], "input": [8, 0, 0, 2]}]}
    assert post_batch(server.url, token, int8_batch).json()["escalated"] == 1
    assert post_batch(server.url, token, int8_batch).json() == {"accepted": 0, "duplicates": 1, "escalated": 0}

    with sqlite3.connect(db) as connection:
        rows = {(s, q): (e, tl, tc, tiny, conf, inp) for s, q, e, tl, tc, tiny, conf, inp in connection.execute(
            "SELECT session, seq, escalated, teacher_label, teacher_confidence, tiny_label, confidence, input "
            "FROM results")}
    assert rows[("float", 0)][:2] == (0, None)
    assert rows[("float", 1)][:2] == (1, 1) and rows[("float", 1)][3] == 0
    assert rows[("float", 1)][2] == pytest.approx(_softmax([0, 3, 1])[1], rel=1e-5)
    assert rows[("float", 2)][:2] == (1, 1) and rows[("float", 2)][3] == 1
    assert rows[("float", 3)][:2] == (0, None)
    escalated, teacher_label, teacher_conf, tiny, conf, model_input = rows[("int8", 0)]
    assert (escalated, teacher_label, tiny) == (1, 0, 1)
    assert conf == pytest.approx(_softmax([1.0, 1.2, 0.0])[1], rel=1e-9)
    assert teacher_conf == pytest.approx(_softmax([4, 0, 0])[0], rel=1e-5)
    assert model_input == "[4.0,0.0,0.0,1.0]"  # compact JSON text (orjson)

    stats = httpx.get(f"{server.url}/v1/stats").json()
    assert stats["results"] == 5 and stats["escalated"] == 3
    assert stats["offload_rate"] == pytest.approx(3 / 5)
    assert stats["agreement"] == pytest.approx(1 / 3) and stats["disagreements"] == 2
    assert stats["teacher"] == "teacher.tflite" and stats["threshold"] == 0.7
    assert stats["accuracy"] == 0.0 and stats["labelled"] == 1  # seq 1: tiny said 0, label 1


def test_input_the_teacher_cannot_take_rejects_the_whole_batch(cascade_service):
    server, db, token, _ = cascade_service
    body = {"device": "edge-1", "session": "wrong-size", "results": [
        {"seq": 0, "output": [0.05, 0.9, 0.05], "input": [0, 3, 1, 0]},
        {"seq": 1, "output": [0.05, 0.9, 0.05], "input": [0, 3, 1]}]}
    response = post_batch(server.url, token, body)
    assert response.status_code == 422
    assert response.json()["error"] == "results.1.input: has 3 values, the teacher teacher.tflite takes 4"
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM results WHERE session = 'wrong-size'").fetchone()[0] == 0


def test_export_writes_the_disagreements(cascade_service):
    server, db, token, folder = cascade_service
    out = folder / "hard.npz"
    done = run_cli("aggregator", "export", "--disagreements", "-o", str(out), "--db", db)
    assert done.stdout.strip() == f"wrote 2 disagreements (4 input values each) to {out}"
    with np.load(out) as hard:
        assert hard["x"].dtype == np.float32 and hard["y"].dtype == np.int64
        np.testing.assert_array_equal(hard["x"], [[0, 3, 1, 0], [4, 0, 0, 1]])
        np.testing.assert_array_equal(hard["y"], [1, 0])
        np.testing.assert_array_equal(hard["tiny_y"], [0, 1])


def test_export_of_an_empty_store_is_an_empty_array(tmp_path):
    out = tmp_path / "sub" / "none.npz"
    add_device(str(tmp_path / "empty.db"), "quiet")  # a store with a device but no results
    run_cli("aggregator", "export", "--disagreements", "-o", str(out), "--db", str(tmp_path / "empty.db"))
    with np.load(out) as hard:
        assert hard["x"].shape == (0, 0) and hard["y"].shape == (0,)


@pytest.mark.parametrize("values, kind, label, confidence", [
    ([0.1, 0.7, 0.2], "auto", 1, 0.7),                                  # sums to 1: probabilities
    ([2.0, 1.0, 0.0], "auto", 0, _softmax([2, 1, 0])[0]),                # logits
    ([0.2, 0.3, 0.1], "auto", 1, _softmax([0.2, 0.3, 0.1])[1]),          # in [0,1] but sum 0.6: logits
    ([0.2, 0.3, 0.1], "probabilities", 1, 0.3),
    ([0.5, 0.5], "logits", 0, 0.5),
    ([1000.0, 0.0], "logits", 0, 1.0),                                   # no overflow
    ([0.8], "auto", 1, 0.8),                                              # one sigmoid output
    ([0.1], "auto", 0, 0.9),
    ([2.0], "auto", 1, 1 / (1 + math.exp(-2))),                           # one logit
])
def test_confidence_is_the_largest_class_probability(values, kind, label, confidence):
    judged = judge(values, kind)
    assert judged.label == label
    assert judged.confidence == pytest.approx(confidence, rel=1e-12)


@pytest.mark.parametrize("kind", ["auto", "probabilities", "logits"])
def test_a_batch_is_judged_in_one_pass_as_row_by_row(kind):
    """judge_all (numpy, one pass per batch) gives judge's label and confidence for every row: ties,
    logits, probabilities, values in [0, 1] that do not sum to 1, and huge logits."""
    rng = np.random.default_rng(7)
    outputs = [[0.1, 0.7, 0.2], [0.5, 0.5, 0.0], [2.0, 1.0, 0.0], [0.2, 0.3, 0.1], [1000.0, 0.0, -3.0],
               [-1.0, -1.0, -1.0], *rng.uniform(-20, 20, (40, 3)).tolist(),
               *rng.dirichlet(np.ones(3), 40).tolist(), *rng.uniform(0, 1, (40, 3)).tolist()]
    expected = [judge(output, kind) for output in outputs]
    judged = judge_all(outputs, kind)
    assert [j.label for j in judged] == [e.label for e in expected]
    assert [j.confidence for j in judged] == pytest.approx([e.confidence for e in expected], rel=1e-12)


@pytest.mark.tensorflow
def test_keras_teacher_matches_its_own_prediction(tmp_path):
    tf = import_required("tensorflow", "TensorFlow not installed: the train extra (scripts/setup.sh)")
    from toolchain.aggregator.teacher import load_teacher

    model = tf.keras.Sequential([tf.keras.Input((4,), batch_size=1), tf.keras.layers.Dense(3, activation="softmax")])
    model.layers[0].set_weights([WEIGHTS.T, BIAS])
    path = tmp_path / "teacher.keras"
    model.save(path)
    teacher = load_teacher(path)
    assert teacher.input_size == 4
    np.testing.assert_allclose(teacher.predict(np.array([0, 3, 1, 0])), _softmax([0, 3, 1]), rtol=1e-5)
