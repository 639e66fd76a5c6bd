"""The fused Keras LSTM of the zoo (tests/zoo.py: `lstm_tagger`) and what a plain Keras 3 LSTM
becomes. A Keras 3 LSTM converts to a WHILE loop (Keras 3 no longer marks its LSTM for the
converter's fusion), which the code generator refuses with the reason; the zoo's LSTM is called
through a function marked the way Keras 2 marked its LSTM, which `from_keras_model` fuses into one
UNIDIRECTIONAL_SEQUENCE_LSTM. Checked here: the marked net computes what the Keras net computes, the
fused operator in int8 and float32, both bit-exact with TFLM over 8 invocations (states carried,
ASan + UBSan), and the stock converter's refusal of a 16x8 LSTM (16x8 LSTMs are checked with random
models in test_ops_matmul.py instead). test_zoo.py runs the int8 net and the unrolled GRU (int8,
16x8) on the host, on the emulated Cortex-M4 and against the arena inspect predicts."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import assert_all_exact, compare
from tests.conftest import import_required
from toolchain.codegen import unsupported_ops
from toolchain.model.reader import parse_model
from zoo import SEED, SEQUENCE, convert, lstm_nets, smooth_inputs

pytestmark = pytest.mark.tensorflow

HOST_SAMPLES = 8


def _float32(tf, model) -> bytes:
    from toolchain.distill.tf_support import quiet_native_output

    with quiet_native_output():
        return bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())


@pytest.fixture(scope="module")
def nets():
    import_required("tensorflow", "TensorFlow not installed: the train extra (scripts/setup.sh)")
    from toolchain.distill.tf_support import require_tensorflow, seed_everything

    tf = require_tensorflow()
    seed_everything(SEED)
    import keras

    keras.utils.set_random_seed(SEED)
    model, fused = lstm_nets(keras)
    probe = smooth_inputs(np.random.default_rng(SEED + 3), SEQUENCE, 1)
    built = {"lstm_fusion_error": float(np.abs(model(probe).numpy() - fused(probe).numpy()).max()),
             "lstm/int8": convert(fused, "int8"), "lstm/float32": _float32(tf, fused),
             "keras3_lstm/float32": _float32(tf, model)}
    try:
        convert(fused, "int16")
        built["lstm_16x8_refusal"] = None
    except Exception as exc:  # the converter's own error, whatever its class
        built["lstm_16x8_refusal"] = str(exc)
    return built


def _graph(nets, label: str):
    return parse_model(nets[label], name=label.replace("/", "_"))


def _inputs(graph, rng: np.random.Generator, samples: int) -> list[np.ndarray]:
    t = graph.input_tensors[0]
    if t.dtype == "float32":
        return [rng.uniform(-2, 2, (samples, *t.shape)).astype(np.float32)]
    info = np.iinfo(t.dtype)
    x = rng.integers(info.min, info.max + 1, (samples, *t.shape)).astype(t.dtype)
    x[0], x[1] = info.min, info.max
    return [x]


def test_the_marked_function_is_the_keras_lstm(nets):
    assert nets["lstm_fusion_error"] < 1e-5


def test_keras_lstm_converts_to_one_fused_lstm(nets):
    for label, activations in (("lstm/int8", "int8"), ("lstm/float32", "float32")):
        graph = _graph(nets, label)
        lstm = [op for op in graph.operators if op.op == "UNIDIRECTIONAL_SEQUENCE_LSTM"]
        assert len(lstm) == 1, [op.op for op in graph.operators]
        assert lstm[0].options["cell_clip"] == 10.0 and lstm[0].options["time_major"] is False
        assert graph.tensors[lstm[0].inputs[0]].dtype == activations
        assert graph.tensors[lstm[0].inputs[19]].dtype == ("int16" if activations == "int8" else "float32")


def test_stock_converter_refuses_a_16x8_lstm(nets):
    assert "16x8-bit not yet supported for op: 'UNIDIRECTIONAL_SEQUENCE_LSTM'" in (nets["lstm_16x8_refusal"] or "")


def test_keras3_lstm_is_a_while_loop_refused_with_its_reason(nets):
    problems = unsupported_ops(_graph(nets, "keras3_lstm/float32"))
    assert [p["op"] for p in problems] == ["WHILE"]
    assert "control flow" in problems[0]["reason"] and "unroll=True" in problems[0]["reason"]


def test_fused_lstm_matches_tflm_on_the_host(nets):
    """States carried over 8 invocations; every build under ASan + UBSan."""
    rng = np.random.default_rng(SEED)
    cases = []
    for label in ("lstm/int8", "lstm/float32"):
        graph = _graph(nets, label)
        cases.append((label, graph, _inputs(graph, rng, HOST_SAMPLES)))
    assert_all_exact(compare(cases, sanitize=lambda index, label: True))
