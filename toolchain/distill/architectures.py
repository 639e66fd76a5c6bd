"""Teacher and student network families, as Keras functional models.

Every model ends in a Dense layer named `logits` followed by a Softmax named `probs`: training
uses the logits (distillation needs them), users and the converter get probabilities.

Students use only layers that convert to operators the code generator implements
(CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX, fused
RELU/RELU6): BatchNormalization folds into the convolution before it, Dropout disappears, and
1-D signals are reshaped to (T, 1, C) so 2-D convolutions with (k, 1) kernels replace Conv1D
(which would convert to EXPAND_DIMS/SQUEEZE). Build with `batch_size=1` for conversion, so
Flatten becomes one RESHAPE with a static shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from toolchain.errors import ToolchainError
from toolchain.distill.tf_support import require_tensorflow


class ArchitectureError(ToolchainError):
    """Unknown architecture name or a width multiplier that makes no sense."""


@dataclass(frozen=True)
class ArchSpec:
    family: str
    width: float = 1.0

    @property
    def label(self) -> str:
        return self.family if self.width == 1.0 else f"{self.family}:{self.width:g}"


@dataclass(frozen=True)
class _Geometry:
    """Kernel and stride shapes for signals (T, 1, C) versus images (H, W, C)."""

    is_signal: bool

    def kernel(self, signal_length: int) -> tuple[int, int]:
        return (signal_length, 1) if self.is_signal else (3, 3)

    def stride(self, step: int) -> tuple[int, int]:
        # Equal strides for signals too: across their width of 1 (kernel width 1, 'same' padding) a
        # stride of `step` gives the same output, and TensorFlow's CPU depthwise kernel refuses
        # unequal strides unless Keras compiles with XLA, which it does not do on CPU-only machines.
        return (step, step)


def parse_arch(text: str, known: dict[str, Callable]) -> ArchSpec:
    """`family` or `family:width`, e.g. `mobilenet:0.5`."""
    family, _, width_text = text.strip().partition(":")
    if family not in known:
        raise ArchitectureError(f"unknown architecture {family!r} (choose from {', '.join(known)})")
    try:
        width = float(width_text) if width_text else 1.0
    except ValueError:
        raise ArchitectureError(f"{text}: width multiplier {width_text!r} is not a number") from None
    if not 0.05 <= width <= 8.0:
        raise ArchitectureError(f"{text}: width multiplier must lie between 0.05 and 8")
    return ArchSpec(family, width)


def build_student(spec: ArchSpec, sample_shape, num_classes: int, batch_size: int | None = None):
    return _build(STUDENTS[spec.family], spec.width, sample_shape, num_classes, batch_size, spec.label)


def build_teacher(spec: ArchSpec, sample_shape, num_classes: int, batch_size: int | None = None):
    """Any family can teach (e.g. `mobilenet:2`); the `wide-*` ones exist only as teachers."""
    return _build(TEACHER_CHOICES[spec.family], spec.width, sample_shape, num_classes, batch_size,
                  f"teacher-{spec.label}")


def _build(body: Callable, width: float, sample_shape, num_classes: int, batch_size, name: str):
    require_tensorflow()
    import keras
    from keras import layers

    sample_shape = tuple(int(d) for d in sample_shape)
    if len(sample_shape) not in (1, 2, 3):
        raise ArchitectureError(f"samples of shape {list(sample_shape)}: expected (features,), "
                                f"(time, channels) or (height, width, channels)")
    inputs = keras.Input(shape=sample_shape, batch_size=batch_size, name="input")
    features = body(inputs, sample_shape, width, layers)
    logits = layers.Dense(num_classes, name="logits")(features)
    probs = layers.Softmax(name="probs")(logits)
    return keras.Model(inputs, probs, name=name.replace(":", "_"))


def _as_image(inputs, sample_shape, layers):
    """Signals (T, C) -> (T, 1, C); feature vectors (F,) -> (F, 1, 1); images stay as they are."""
    if len(sample_shape) == 3:
        return inputs, _Geometry(is_signal=False)
    if len(sample_shape) == 2:
        return layers.Reshape((sample_shape[0], 1, sample_shape[1]))(inputs), _Geometry(is_signal=True)
    return layers.Reshape((sample_shape[0], 1, 1))(inputs), _Geometry(is_signal=True)


def _channels(base: int, width: float) -> int:
    return max(4, int(round(base * width)))


def _conv_bn(x, filters, kernel, strides, layers, activation="relu"):
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    return layers.ReLU(max_value=6.0)(x) if activation == "relu6" else layers.ReLU()(x)


def _separable(x, filters, kernel, strides, layers, activation="relu"):
    x = layers.DepthwiseConv2D(kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.ReLU(max_value=6.0)(x) if activation == "relu6" else layers.ReLU()(x)
    return _conv_bn(x, filters, (1, 1), (1, 1), layers, activation)


def _global_average(x, layers):
    """Average over the whole feature map as AVERAGE_POOL_2D + RESHAPE: GlobalAveragePooling2D would
    convert to MEAN, which fewer int8 kernel libraries (and not our code generator) implement."""
    x = layers.AveragePooling2D(pool_size=tuple(int(d) for d in x.shape[1:3]))(x)
    return layers.Flatten()(x)


# --- students --------------------------------------------------------------------------------

def _mlp(inputs, sample_shape, width, layers):
    x = layers.Flatten()(inputs)
    x = layers.Dense(_channels(64, width), activation="relu")(x)
    return layers.Dense(_channels(32, width), activation="relu")(x)


def _cnn(inputs, sample_shape, width, layers):
    x, geo = _as_image(inputs, sample_shape, layers)
    x = _conv_bn(x, _channels(16, width), geo.kernel(7), geo.stride(2), layers)
    x = layers.MaxPooling2D(geo.stride(2), padding="same")(x)
    x = _conv_bn(x, _channels(32, width), geo.kernel(5), geo.stride(1), layers)
    x = layers.MaxPooling2D(geo.stride(2), padding="same")(x)
    x = _conv_bn(x, _channels(32, width), geo.kernel(3), geo.stride(1), layers)
    return _global_average(x, layers)


def _ds_cnn(inputs, sample_shape, width, layers):
    x, geo = _as_image(inputs, sample_shape, layers)
    filters = _channels(32, width)
    x = _conv_bn(x, filters, geo.kernel(9), geo.stride(2), layers)
    for step in (2, 1, 2):
        x = _separable(x, filters, geo.kernel(5), geo.stride(step), layers)
    return _global_average(x, layers)


def _mobilenet(inputs, sample_shape, width, layers):
    """MobileNet v1 shape: a strided stem, then depthwise-separable blocks doubling channels as they stride."""
    x, geo = _as_image(inputs, sample_shape, layers)
    x = _conv_bn(x, _channels(16, width), geo.kernel(5), geo.stride(2), layers, "relu6")
    for base, step in ((32, 1), (64, 2), (64, 1), (128, 2), (128, 1)):
        x = _separable(x, _channels(base, width), geo.kernel(5), geo.stride(step), layers, "relu6")
    return _global_average(x, layers)


# --- teachers (run in the cloud: size is not a constraint) ----------------------------------

def _wide_cnn(inputs, sample_shape, width, layers):
    x, geo = _as_image(inputs, sample_shape, layers)
    x = _conv_bn(x, _channels(64, width), geo.kernel(7), geo.stride(1), layers)
    x = _conv_bn(x, _channels(64, width), geo.kernel(5), geo.stride(2), layers)
    x = _conv_bn(x, _channels(128, width), geo.kernel(5), geo.stride(1), layers)
    x = _conv_bn(x, _channels(128, width), geo.kernel(3), geo.stride(2), layers)
    x = _conv_bn(x, _channels(192, width), geo.kernel(3), geo.stride(2), layers)
    x = _global_average(x, layers)
    x = layers.Dropout(0.3)(x)
    return layers.Dense(_channels(128, width), activation="relu")(x)


def _wide_mlp(inputs, sample_shape, width, layers):
    x = layers.Flatten()(inputs)
    x = layers.Dense(_channels(512, width), activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(_channels(256, width), activation="relu")(x)
    return layers.Dropout(0.3)(x)


STUDENTS: dict[str, Callable] = {"mlp": _mlp, "cnn": _cnn, "ds-cnn": _ds_cnn, "mobilenet": _mobilenet}
TEACHERS: dict[str, Callable] = {"wide-cnn": _wide_cnn, "wide-mlp": _wide_mlp}
TEACHER_CHOICES: dict[str, Callable] = {**TEACHERS, **STUDENTS}
