"""The Keras model zoo: model families people convert for microcontrollers, built here with Keras
and the stock TFLiteConverter (full int8 with representative data, or 16x8: int16 activations and
int8 weights), every seed fixed so a rebuild gives the same bytes.

To add a model: write a builder `(keras) -> keras.Model` (batch-1 input, weights already set; call
`settle_batch_norm` or `train_briefly` so random weights do not blow activations up) and add one
`ZooModel` to `ZOO`. tests/test_zoo.py builds every entry once per session (`build_zoo`) and checks
each variant bit-exact with TFLM on the host and on the emulated Cortex-M4, and its arena against
`tinylarge inspect`.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

REPRESENTATIVE_SAMPLES = 16
SEED = 2026


@dataclass(frozen=True)
class ZooModel:
    name: str
    build: Callable  # (keras) -> keras.Model with batch-1 inputs and its final weights
    variants: tuple[str, ...] = ("int8",)  # "int8" (full int8) and/or "int16" (16x8)


@dataclass(frozen=True)
class ZooBuild:
    label: str  # "<name>/<variant>"
    path: Path  # the converted .tflite


def smooth_inputs(rng: np.random.Generator, shape: tuple[int, ...], count: int) -> np.ndarray:
    """Inputs with structure (sums of random low-frequency waves plus a little noise), so
    calibration sees activations like real data gives, not white noise."""
    grids = np.meshgrid(*[np.linspace(0, 1, n) for n in shape], indexing="ij")
    out = np.empty((count, *shape), np.float32)
    for s in range(count):
        x = np.zeros(shape)
        for _ in range(3):
            freqs = rng.uniform(0.5, 3, size=len(shape))
            x += np.sin(2 * np.pi * sum(f * g for f, g in zip(freqs, grids)) + rng.uniform(0, 6.3))
        out[s] = x / 3 + rng.normal(0, 0.1, size=shape)
    return out


def settle_batch_norm(model, data: np.ndarray) -> None:
    """BatchNorm moving statistics taken from one training-mode pass over `data`, so every
    normalised activation has unit scale instead of what random weights make of it."""
    import keras

    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.0
    model(data, training=True)


def train_briefly(model, data: np.ndarray, steps: int = 20) -> None:
    """A few Adam steps towards a fixed random target of the output's shape (weights then see
    their inputs' real ranges, unlike freshly initialised ones)."""
    rng = np.random.default_rng(SEED)
    outputs = model(data[:1])
    targets = [rng.normal(0, 1, size=(len(data), *o.shape[1:])).astype(np.float32)
               for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    model.compile(optimizer="adam", loss="mse")
    model.fit(data, targets if len(targets) > 1 else targets[0], batch_size=8,
              epochs=max(1, steps * 8 // len(data)), verbose=0)


# ---------------------------------------------------------------- the models


def _calibration(shape: tuple[int, ...], count: int = 16) -> np.ndarray:
    return smooth_inputs(np.random.default_rng(SEED + 1), shape, count)


def mobilenet_v2(keras):
    model = keras.applications.MobileNetV2(input_tensor=_image_input(keras), alpha=0.35, weights=None, classes=10)
    settle_batch_norm(model, _calibration((96, 96, 3)))
    return model


def mobilenet_v3_small(keras):
    model = keras.applications.MobileNetV3Small(input_tensor=_image_input(keras), alpha=0.75, weights=None,
                                                classes=10, include_preprocessing=False, dropout_rate=0.0)
    settle_batch_norm(model, _calibration((96, 96, 3)))
    return model


def conv1d_time_series(keras):
    layers = keras.layers
    x = keras.Input(shape=(64, 3), batch_size=1)
    y = layers.Conv1D(12, 5, padding="same", activation="relu")(x)
    y = layers.MaxPooling1D(2)(y)
    y = layers.Conv1D(16, 3, dilation_rate=2, padding="causal", activation="relu")(y)
    y = layers.AveragePooling1D(2)(y)
    y = layers.Conv1D(16, 3, strides=2, activation="relu")(y)
    y = layers.GlobalAveragePooling1D()(y)
    y = layers.Dense(6, activation="softmax")(layers.Dense(16, activation="relu")(y))
    model = keras.Model(x, y)
    train_briefly(model, _calibration((64, 3)))
    return model


def conv_autoencoder(keras):
    layers = keras.layers
    x = keras.Input(shape=(32, 32, 1), batch_size=1)
    y = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    y = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(y)
    y = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(y)
    y = layers.UpSampling2D(2)(y)
    y = layers.Conv2D(8, 3, padding="same", activation="relu")(y)
    y = layers.Conv2D(1, 3, padding="same", activation="sigmoid")(y)
    model = keras.Model(x, y)
    train_briefly(model, _calibration((32, 32, 1)))
    return model


def small_unet(keras):
    layers = keras.layers

    def block(y, filters):
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
        return layers.ReLU()(layers.BatchNormalization()(y))

    x = keras.Input(shape=(48, 48, 3), batch_size=1)
    d1 = block(x, 8)
    d2 = block(layers.MaxPooling2D()(d1), 16)
    bottom = block(layers.MaxPooling2D()(d2), 24)
    u2 = layers.UpSampling2D(interpolation="bilinear")(bottom)
    u2 = block(layers.Concatenate()([u2, d2]), 16)
    u1 = layers.Resizing(48, 48, interpolation="bilinear")(u2)
    u1 = block(layers.Concatenate()([u1, d1]), 8)
    model = keras.Model(x, layers.Conv2D(3, 1, activation="softmax")(u1))
    settle_batch_norm(model, _calibration((48, 48, 3)))
    return model


def transformer_block(keras):
    layers = keras.layers
    x = keras.Input(shape=(16, 24), batch_size=1)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=12)(x, x)
    y = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, attended]))
    ff = layers.Dense(24)(layers.Dense(48, activation="gelu")(y))
    y = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([y, ff]))
    y = layers.Dense(4, activation="softmax")(layers.GlobalAveragePooling1D()(y))
    model = keras.Model(x, y)
    train_briefly(model, _calibration((16, 24)))
    return model


def elementwise_mix(keras):
    layers, ops = keras.layers, keras.ops
    x = keras.Input(shape=(12, 12, 4), batch_size=1)
    y = layers.Conv2D(8, 3, padding="same")(x)
    a = layers.PReLU(shared_axes=[1, 2])(y)
    b = layers.ELU()(y)
    y = layers.Subtract()([layers.Maximum()([a, b]), layers.Minimum()([a, b])])
    left, right = ops.split(y, 2, axis=-1)
    y = layers.Concatenate()([left[:, 1:11, 2:, :], right[:, :10, 1:11, :][:, :, ::-1, :]])
    y = layers.Conv2D(6, 3, strides=2)(y)
    y = layers.Dense(5)(layers.GlobalMaxPooling2D()(y))
    model = keras.Model(x, ops.log_softmax(y))
    train_briefly(model, _calibration((12, 12, 4)))
    return model


def separable_net(keras):
    layers = keras.layers
    x = keras.Input(shape=(32, 32, 3), batch_size=1)
    y = layers.Conv2D(8, 3, strides=2, padding="same", use_bias=False)(x)
    y = layers.Activation("swish")(layers.BatchNormalization()(y))
    y = layers.SeparableConv2D(16, 3, padding="same", use_bias=False)(y)
    y = layers.Activation("hard_sigmoid")(layers.BatchNormalization()(y))
    y = layers.SeparableConv2D(24, 3, strides=2, padding="same", use_bias=False)(y)
    y = layers.Activation("swish")(layers.BatchNormalization()(y))
    y = layers.Dense(5, activation="softmax")(layers.GlobalMaxPooling2D()(y))
    model = keras.Model(x, y)
    settle_batch_norm(model, _calibration((32, 32, 3)))
    return model


SEQUENCE = (12, 6)  # time steps, features of the recurrent nets


def standard_lstm(tf, inputs, init_h, init_c, kernel, recurrent_kernel, bias):
    """Keras's LSTM (gates i, f, c, o; sigmoid gates, tanh cell), with the argument and result
    order of Keras 2's standard_lstm, which the converter's Keras-LSTM fusion reads."""
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
    """A Keras layer computing the trained `lstm` (return_sequences=True) through a function marked
    the way Keras 2 marked its LSTM (api_implements "lstm_<id>", time_major, go_backwards): the
    converter fuses it into one UNIDIRECTIONAL_SEQUENCE_LSTM (a Keras 3 LSTM becomes a WHILE loop).
    The weights are constants: a variable read inside the marked function would stay a variable."""
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
    """(a trained Keras LSTM sequence tagger, the same net with its LSTM fused for the converter)."""
    x = keras.Input(shape=SEQUENCE, batch_size=1)
    lstm = keras.layers.LSTM(10, return_sequences=True)
    head = keras.layers.Dense(4)
    model = keras.Model(x, head(lstm(x)))
    train_briefly(model, _calibration(SEQUENCE))
    fused_x = keras.Input(shape=SEQUENCE, batch_size=1)
    return model, keras.Model(fused_x, head(fused_lstm_layer(keras, lstm)(fused_x)))


def lstm_tagger(keras):
    """One fused UNIDIRECTIONAL_SEQUENCE_LSTM and a Dense head; int8 only: the stock converter
    refuses 16x8 for this operator (test_recurrent_keras.py pins its message)."""
    return lstm_nets(keras)[1]


def gru_tagger(keras):
    """A GRU unrolled by Keras (unroll=True): FULLY_CONNECTED, LOGISTIC, TANH, MUL, SUB, ADD per step."""
    x = keras.Input(shape=SEQUENCE, batch_size=1)
    y = keras.layers.GRU(10, return_sequences=True, unroll=True)(x)
    model = keras.Model(x, keras.layers.Dense(4)(y))
    train_briefly(model, _calibration(SEQUENCE))
    return model


def _image_input(keras):
    return keras.Input(shape=(96, 96, 3), batch_size=1)


ZOO: list[ZooModel] = [
    ZooModel("mobilenet_v2", mobilenet_v2, ("int8", "int16")),
    ZooModel("mobilenet_v3_small", mobilenet_v3_small),
    ZooModel("conv1d_time_series", conv1d_time_series, ("int8", "int16")),
    ZooModel("conv_autoencoder", conv_autoencoder, ("int8", "int16")),
    ZooModel("small_unet", small_unet, ("int8", "int16")),
    ZooModel("transformer_block", transformer_block),
    ZooModel("elementwise_mix", elementwise_mix),
    ZooModel("separable_net", separable_net, ("int8", "int16")),
    ZooModel("lstm_tagger", lstm_tagger),
    ZooModel("gru_tagger", gru_tagger, ("int8", "int16")),
]


# ---------------------------------------------------------------- building


def convert(model, variant: str) -> bytes:
    """Full int8 (int8 input and output) or 16x8 (int16 input and output) with the stock converter."""
    from toolchain.distill.tf_support import quiet_native_output, require_tensorflow

    tf = require_tensorflow()
    rng = np.random.default_rng(SEED + 2)
    representative = [smooth_inputs(rng, tuple(t.shape[1:]), REPRESENTATIVE_SAMPLES) for t in model.inputs]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]

    def samples():
        for i in range(REPRESENTATIVE_SAMPLES):
            yield [r[i][None] for r in representative]

    converter.representative_dataset = samples
    sixteen = variant == "int16"
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 if sixteen
        else tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int16 if sixteen else tf.int8
    converter.inference_output_type = tf.int16 if sixteen else tf.int8
    with quiet_native_output():
        return bytes(converter.convert())


def build_zoo(out_dir: Path, entries: list[ZooModel] | None = None) -> list[ZooBuild]:
    """Builds and converts every entry's variants into `out_dir`; the same seed for each model, so
    one model's bytes do not depend on which others were built before it."""
    from toolchain.distill.tf_support import seed_everything

    seed_everything(SEED)
    import keras

    builds = []
    for entry in entries or ZOO:
        keras.utils.set_random_seed(SEED)
        model = entry.build(keras)
        for variant in entry.variants:
            path = Path(out_dir) / f"{entry.name}_{variant}.tflite"
            path.write_bytes(convert(model, variant))
            builds.append(ZooBuild(f"{entry.name}/{variant}", path))
        keras.backend.clear_session()
    return builds
