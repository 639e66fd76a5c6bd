"""Converter-made models (Keras -> TFLiteConverter: int8, float32, 16x8) through the part-B kernels:
the option combinations, quantization choices and operator mixes the real converter produces,
every output byte compared with TFLM."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import assert_all_exact, compare
from toolchain.model.reader import parse_model
from tests.conftest import import_required

pytestmark = pytest.mark.tensorflow

SAMPLES = 16


def _models(keras):
    layers = keras.layers

    def single(shape, make):
        x = keras.Input(shape=shape, batch_size=1)
        return keras.Model(x, make(x))

    def two_inputs(shape_a, shape_b, make):
        a, b = keras.Input(shape=shape_a, batch_size=1), keras.Input(shape=shape_b, batch_size=1)
        return keras.Model([a, b], make(a, b))

    def mixed(x):
        y = layers.Conv2D(6, 3, padding="same", activation="relu")(x)
        y = layers.MaxPooling2D(3, strides=2, padding="same")(y)
        gate = layers.Activation("sigmoid")(y)
        y = layers.Multiply()([layers.Activation("tanh")(y), gate])
        y = layers.Concatenate()([y, layers.LeakyReLU(negative_slope=0.2)(y)])
        y = layers.ZeroPadding2D(((1, 0), (0, 2)))(y)
        y = layers.GlobalAveragePooling2D()(y)
        return layers.Dense(5, activation="softmax")(y)

    def mixed_16x8(x):
        y = layers.Conv2D(6, 3, padding="same", activation="relu")(x)
        y = layers.MaxPooling2D(2)(y)
        y = layers.Multiply()([y, layers.ReLU(max_value=6.0)(y)])
        y = layers.Concatenate()([y, layers.LeakyReLU(negative_slope=0.2)(y)])
        y = layers.ZeroPadding2D(((1, 0), (0, 2)))(y)
        return layers.GlobalAveragePooling2D()(y)

    return {
        "mixed_16x8": single((10, 10, 2), mixed_16x8),
        "max_pool": single((9, 7, 3), lambda x: layers.MaxPooling2D((3, 2), strides=(2, 2), padding="valid")(x)),
        "max_pool_same": single((8, 8, 2), lambda x: layers.MaxPooling2D(3, strides=3, padding="same")(x)),
        "multiply": two_inputs((4, 5, 3), (4, 5, 3), lambda a, b: layers.Multiply()([a, b])),
        "multiply_broadcast": two_inputs((4, 5, 3), (1, 1, 3), lambda a, b: a * b),
        "concatenate": two_inputs((3, 4, 2), (3, 4, 5), lambda a, b: layers.Concatenate(axis=-1)([a, b])),
        "concatenate_axis1": two_inputs((3, 4, 2), (2, 4, 2), lambda a, b: layers.Concatenate(axis=1)([a, b])),
        "zero_padding": single((5, 6, 3), lambda x: layers.ZeroPadding2D(((2, 1), (0, 3)))(x)),
        "global_average": single((6, 5, 4), lambda x: layers.GlobalAveragePooling2D()(x)),
        "mean_keepdims": single((6, 5, 4), lambda x: layers.GlobalAveragePooling2D(keepdims=True)(x)),
        "sigmoid": single((40,), lambda x: layers.Activation("sigmoid")(x)),
        "tanh": single((40,), lambda x: layers.Activation("tanh")(x)),
        "relu": single((40,), lambda x: layers.ReLU()(x)),
        "relu6": single((40,), lambda x: layers.ReLU(max_value=6.0)(x)),
        "leaky_relu": single((40,), lambda x: layers.LeakyReLU(negative_slope=0.1)(x)),
        "hard_swish": single((40,), lambda x: layers.Activation("hard_swish")(x)),
        "mixed": single((10, 10, 2), mixed),
    }


@pytest.fixture(scope="module")
def converted():
    import_required("tensorflow", "TensorFlow not installed: the train extra (scripts/setup.sh)")
    import keras

    keras.utils.set_random_seed(11)
    rng = np.random.default_rng(11)
    cases = []
    for name, model in _models(keras).items():
        representative = [rng.uniform(-3, 3, size=(32, *t.shape[1:])).astype(np.float32) for t in model.inputs]
        # "int8-float-io": int8 inside, float32 at the edges (QUANTIZE in front, DEQUANTIZE behind);
        # "int16": 16-bit activations with 8-bit weights (the converter's 16x8 mode)
        variants = {"mixed": ("float32", "int8", "int8-float-io"), "mixed_16x8": ("int16",)}
        for dtype in variants.get(name, ("float32", "int8")):
            graph = parse_model(_convert(model, None if dtype == "float32" else representative,
                                         integer_io=dtype != "int8-float-io", sixteen_bit=dtype == "int16"),
                                name=f"{name}_{dtype}")
            inputs = []
            for t in graph.input_tensors:
                if t.dtype in ("int8", "int16"):
                    info = np.iinfo(t.dtype)
                    inputs.append(rng.integers(info.min, info.max + 1, size=(SAMPLES, *t.shape)).astype(t.dtype))
                else:
                    inputs.append(rng.uniform(-4, 4, size=(SAMPLES, *t.shape)).astype(np.float32))
            cases.append((f"{name}/{dtype}", graph, inputs))
    return cases


def _convert(model, representative: list[np.ndarray] | None, integer_io: bool = True,
             sixteen_bit: bool = False) -> bytes:
    """The float32 model, or (with representative inputs) the int8 model (16x8 with `sixteen_bit`),
    with integer or float32 io."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if representative is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]

        def samples():
            for i in range(len(representative[0])):
                yield [r[i][None] for r in representative]

        converter.representative_dataset = samples
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 if sixteen_bit
            else tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if integer_io:
            converter.inference_input_type = tf.int16 if sixteen_bit else tf.int8
            converter.inference_output_type = tf.int16 if sixteen_bit else tf.int8
    return bytes(converter.convert())


def test_converter_models_use_the_part_b_operators(converted):
    ops = {op.op for _, graph, _ in converted for op in graph.operators}
    assert {"MAX_POOL_2D", "MUL", "CONCATENATION", "PAD", "MEAN", "LOGISTIC", "TANH", "RELU", "RELU6",
            "LEAKY_RELU", "HARD_SWISH", "QUANTIZE", "DEQUANTIZE"} <= ops, ops


def test_converter_16x8_model_runs_int16_kernels(converted):
    graph = next(g for label, g, _ in converted if label == "mixed_16x8/int16")
    assert {graph.tensors[op.outputs[0]].dtype for op in graph.operators} == {"int16"}
    assert {"MAX_POOL_2D", "RELU6", "MUL", "LEAKY_RELU", "CONCATENATION", "PAD", "MEAN"} <= \
        {op.op for op in graph.operators}


def test_converter_models_match_tflm(converted):
    assert_all_exact(compare(converted))
