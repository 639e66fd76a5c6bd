"""Keras recurrent nets through the stock TFLiteConverter, bit-exact with TFLM on the host and on
the emulated Cortex-M4: an LSTM net converted to one fused UNIDIRECTIONAL_SEQUENCE_LSTM (int8 and
float32) and an unrolled GRU net (int8 and 16x8).

A Keras 3 LSTM converts to a WHILE loop (Keras 3 no longer marks its LSTM for the converter's
fusion). The converter still fuses a function marked the way Keras 2 marked its LSTM
(`api_implements: lstm_<id>`, `time_major`, `go_backwards`), and `from_keras_model` keeps the mark
(it converts through a SavedModel). So `lstm_net` trains a Keras LSTM net, then returns the same net
with the LSTM layer called through such a function holding the trained weights as constants; the
test checks it computes what the Keras net computes. The stock converter refuses a 16x8 LSTM
("Quantization to 16x8-bit not yet supported"): 16x8 LSTMs are checked with random models in
test_ops_matmul.py instead."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from opcheck import assert_all_exact, compare
from opmodels import merge_graphs
from tests.conftest import import_required
from toolchain.codegen import generate_c, unsupported_ops
from toolchain.emulators.opcheck import check_on_target
from toolchain.inspect import inspect_model
from toolchain.model.reader import parse_model
from toolchain.model.writer import write_model

pytestmark = pytest.mark.tensorflow

SEED = 2027
STEPS, FEATURES, UNITS, CLASSES = 12, 6, 10, 4
CALIBRATION = 32
HOST_SAMPLES = 8
M4_SAMPLES = 4


def _sequences(rng: np.random.Generator, count: int) -> np.ndarray:
    """Sums of slow random waves over time plus a little noise: calibration data with the structure
    of a sensor signal, not white noise."""
    t = np.linspace(0, 1, STEPS)[None, :, None]
    freq = rng.uniform(0.5, 3, size=(count, 1, FEATURES))
    phase = rng.uniform(0, 6.3, size=(count, 1, FEATURES))
    return (np.sin(2 * np.pi * freq * t + phase) + rng.normal(0, 0.1, (count, STEPS, FEATURES))).astype(np.float32)


def _train_briefly(model, data: np.ndarray) -> None:
    targets = np.random.default_rng(SEED).normal(0, 1, size=(len(data), *model.output.shape[1:]))
    model.compile(optimizer="adam", loss="mse")
    model.fit(data, targets.astype(np.float32), batch_size=8, epochs=5, verbose=0)


def standard_lstm(tf, inputs, init_h, init_c, kernel, recurrent_kernel, bias):
    """Keras's LSTM (gates i, f, c, o; sigmoid gates, tanh cell), with the argument and result
    order of Keras 2's standard_lstm, which the converter's fusion reads."""
    h, c, outputs = init_h, init_c, []
    for t in range(inputs.shape[1]):
        z = tf.matmul(inputs[:, t], kernel) + tf.matmul(h, recurrent_kernel) + bias
        i, f, g, o = tf.split(z, 4, axis=1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
        outputs.append(h)
    sequence = tf.stack(outputs, axis=1)
    return sequence[:, -1], sequence, h, c, tf.constant(0.0)


def fused_lstm_layer(keras, lstm):
    """A Keras layer computing `lstm` (trained, return_sequences=True) through a function marked
    for the converter's Keras-LSTM fusion; the weights are constants (a variable read inside the
    marked function would stay a variable in the converted model)."""
    import tensorflow as tf

    marked = tf.function(lambda *args: standard_lstm(tf, *args), autograph=False, experimental_attributes={
        "api_implements": f"lstm_{uuid.UUID(int=SEED)}", "api_preferred_device": "CPU",
        "time_major": False, "go_backwards": False})
    weights, units = lstm.get_weights(), lstm.units

    class FusedLSTM(keras.layers.Layer):
        def call(self, x):
            zeros = tf.zeros((x.shape[0], units))
            return marked(x, zeros, zeros, *(tf.constant(w) for w in weights))[1]

    return FusedLSTM()


def lstm_nets(keras):
    """(the trained Keras LSTM net, the same net with its LSTM fused for the converter)."""
    x = keras.Input((STEPS, FEATURES), batch_size=1)
    lstm = keras.layers.LSTM(UNITS, return_sequences=True)
    head = keras.layers.Dense(CLASSES)
    model = keras.Model(x, head(lstm(x)))
    _train_briefly(model, _sequences(np.random.default_rng(SEED), 64))
    fused_x = keras.Input((STEPS, FEATURES), batch_size=1)
    return model, keras.Model(fused_x, head(fused_lstm_layer(keras, lstm)(fused_x)))


def lstm_net(keras):
    return lstm_nets(keras)[1]


def gru_net(keras):
    x = keras.Input((STEPS, FEATURES), batch_size=1)
    y = keras.layers.GRU(UNITS, return_sequences=True, unroll=True)(x)
    model = keras.Model(x, keras.layers.Dense(CLASSES)(y))
    _train_briefly(model, _sequences(np.random.default_rng(SEED), 64))
    return model


def convert(tf, model, variant: str) -> bytes:
    """The stock converter: float32, full int8 or 16x8, integer input and output."""
    from toolchain.distill.tf_support import quiet_native_output

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        data = _sequences(np.random.default_rng(SEED + 1), CALIBRATION)
        converter.representative_dataset = lambda: ([data[i][None]] for i in range(len(data)))
        sixteen = variant == "int16"
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 if sixteen
            else tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.int16 if sixteen else tf.int8
    with quiet_native_output():
        return bytes(converter.convert())


@pytest.fixture(scope="module")
def nets():
    import_required("tensorflow", "TensorFlow not installed: the train extra (scripts/setup.sh)")
    from toolchain.distill.tf_support import require_tensorflow, seed_everything

    tf = require_tensorflow()
    seed_everything(SEED)
    import keras

    keras.utils.set_random_seed(SEED)
    model, fused = lstm_nets(keras)
    probe = _sequences(np.random.default_rng(SEED + 2), 1)
    built = {"lstm_fusion_error": float(np.abs(model(probe).numpy() - fused(probe).numpy()).max()),
             "lstm/int8": convert(tf, fused, "int8"), "lstm/float32": convert(tf, fused, "float32"),
             "keras3_lstm/float32": convert(tf, model, "float32")}
    try:
        convert(tf, fused, "int16")
        built["lstm_16x8_refusal"] = None
    except Exception as exc:  # the converter's own error, whatever its class
        built["lstm_16x8_refusal"] = str(exc)
    keras.utils.set_random_seed(SEED)
    gru = gru_net(keras)
    for variant in ("int8", "int16"):
        built[f"gru/{variant}"] = convert(tf, gru, variant)
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


def test_gru_unrolls_into_supported_operators(nets):
    for variant in ("int8", "int16"):
        graph = _graph(nets, f"gru/{variant}")
        assert unsupported_ops(graph) == []
        assert {"FULLY_CONNECTED", "LOGISTIC", "TANH", "MUL"} <= {op.op for op in graph.operators}


def test_keras3_lstm_is_a_while_loop_refused_with_its_reason(nets):
    problems = unsupported_ops(_graph(nets, "keras3_lstm/float32"))
    assert [p["op"] for p in problems] == ["WHILE"]
    assert "control flow" in problems[0]["reason"] and "unroll=True" in problems[0]["reason"]


def test_recurrent_nets_match_tflm_on_the_host(nets):
    """States carried over 8 invocations; every build under ASan + UBSan."""
    rng = np.random.default_rng(SEED)
    cases = []
    for label in ("lstm/int8", "lstm/float32", "gru/int8", "gru/int16"):
        graph = _graph(nets, label)
        cases.append((label, graph, _inputs(graph, rng, HOST_SAMPLES)))
    assert_all_exact(compare(cases, sanitize=lambda index, label: True))


def test_recurrent_nets_fit_the_arena_inspect_predicts(nets, tmp_path):
    for label in ("lstm/int8", "lstm/float32", "gru/int8", "gru/int16"):
        path = tmp_path / f"{label.replace('/', '_')}.tflite"
        path.write_bytes(nets[label])
        predicted = inspect_model(path).arena_bytes
        assert generate_c(_graph(nets, label)).plan.arena_bytes == predicted, label
        assert generate_c(_graph(nets, label), target="cortex-m4").plan.arena_bytes <= predicted, label


@pytest.mark.qemu
def test_recurrent_nets_are_bit_exact_on_cortex_m4(nets, tmp_path):
    """Every operator output of the integer nets equal to TFLM's on QEMU mps2-an386 (the float
    LSTM calls expf/tanhf, whose newlib results can differ from the host's in the last bit)."""
    graphs = [_graph(nets, label) for label in ("lstm/int8", "gru/int8", "gru/int16")]
    path = tmp_path / "recurrent_m4.tflite"
    write_model(merge_graphs(graphs, "recurrent_m4"), path)
    report = check_on_target(path, "qemu_mps2_an386", samples=M4_SAMPLES)
    assert report.cpu == "cortex-m4"
    assert report.tensors_compared == M4_SAMPLES * sum(len(op.outputs) for g in graphs for op in g.operators)
    assert report.ok, report.summary()
