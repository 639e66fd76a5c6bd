"""Converter-made models (Keras -> TFLiteConverter: int8, float32, 16x8) through the element-moving,
resize and product kernels: slicing, tf.split, stack/unstack, Permute, take, Resizing (nearest),
UpSampling2D (bilinear), Conv2DTranspose, a matmul of two activations and an unrolled LSTM, with the options the real
converter writes; every output byte compared with TFLM."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import assert_all_exact, compare
from test_ops_tensorflow import _convert
from toolchain.model.reader import parse_model
from tests.conftest import import_required

pytestmark = pytest.mark.tensorflow

SAMPLES = 8


def _models(keras):
    layers, ops = keras.layers, keras.ops

    def single(shape, make):
        x = keras.Input(shape=shape, batch_size=1)
        return keras.Model(x, make(x))

    def split_and_slice(x):
        a, b = ops.split(x, 2, axis=-1)
        c = x[:, 1:6:2, ::-1, :]
        parts = ops.unstack(a, axis=1)
        stacked = ops.stack(parts[::-1], axis=2)
        return [layers.ReLU()(b), c, stacked]

    def upsample(x):
        y = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
        near = layers.Resizing(10, 8, interpolation="nearest")(y)
        bilinear = layers.UpSampling2D((2, 3), interpolation="bilinear")(y)
        return layers.Concatenate()([near[:, :, :7, :], bilinear[:, :, 1:8, :]])

    def transpose_conv(x):
        y = layers.Conv2DTranspose(5, 3, strides=2, padding="same", activation="relu")(x)
        return layers.Conv2DTranspose(3, (2, 3), strides=(1, 2), padding="valid")(y)

    def attention_scores(x):
        q = layers.Dense(8, bias_initializer="random_normal")(x)
        k = layers.Dense(8, bias_initializer="random_normal")(x)
        return ops.matmul(q, ops.transpose(k, (0, 2, 1)))

    return {
        "split_and_slice": single((7, 5, 6), split_and_slice),
        "permute": single((4, 3, 5), lambda x: layers.Permute((3, 1, 2))(x)),
        "take": single((6, 5), lambda x: ops.take(x, np.array([4, 0, 2, 2], dtype=np.int32), axis=1)),
        "upsample": single((5, 4, 3), upsample),
        "transpose_conv": single((4, 5, 3), transpose_conv),
        "attention_scores": single((6, 10), attention_scores),
        # an unrolled LSTM: UNPACK over time, gate SPLITs, PACK of the sequence
        "lstm_unrolled": single((5, 4), lambda x: layers.LSTM(6, return_sequences=True, unroll=True)(x)),
    }


@pytest.fixture(scope="module")
def converted():
    import_required("tensorflow", "TensorFlow not installed: the train extra (scripts/setup.sh)")
    import keras

    keras.utils.set_random_seed(12)
    rng = np.random.default_rng(12)
    cases = []
    for name, model in _models(keras).items():
        representative = [rng.uniform(-3, 3, size=(32, *t.shape[1:])).astype(np.float32) for t in model.inputs]
        variants = ("float32", "int8", "int16") if name in ("transpose_conv", "attention_scores") \
            else ("float32", "int8")
        for dtype in variants:
            graph = parse_model(_convert(model, None if dtype == "float32" else representative,
                                         sixteen_bit=dtype == "int16"), name=f"{name}_{dtype}")
            inputs = []
            for t in graph.input_tensors:
                if t.dtype in ("int8", "int16"):
                    info = np.iinfo(t.dtype)
                    inputs.append(rng.integers(info.min, info.max + 1, size=(SAMPLES, *t.shape)).astype(t.dtype))
                else:
                    inputs.append(rng.uniform(-4, 4, size=(SAMPLES, *t.shape)).astype(np.float32))
            cases.append((f"{name}/{dtype}", graph, inputs))
    return cases


def test_converter_models_use_these_operators(converted):
    ops = {op.op for _, graph, _ in converted for op in graph.operators}
    assert {"SPLIT", "STRIDED_SLICE", "UNPACK", "PACK", "TRANSPOSE", "GATHER", "RESIZE_NEAREST_NEIGHBOR",
            "RESIZE_BILINEAR", "TRANSPOSE_CONV", "BATCH_MATMUL"} <= ops, ops


def test_converter_models_match_tflm(converted):
    assert_all_exact(compare(converted))

