"""Training: the teacher, the distilled student, and the same student trained without a teacher.

Knowledge distillation (Hinton et al.): the student minimises
    (1 - alpha) * CE(labels, softmax(z_s)) + alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T))
where z_t / z_s are teacher / student logits and T the temperature; T^2 keeps the soft-target
gradients on the same scale as the hard ones. The teacher is fixed, so its soft targets are
computed once and handed to `fit` next to the one-hot labels: plain Keras training, no custom loop.
alpha = 0 is ordinary training, which is exactly how the honest baseline student is trained.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from toolchain.errors import ToolchainError
from toolchain.distill.architectures import ArchSpec, build_student, build_teacher
from toolchain.distill.datasets import Dataset
from toolchain.distill.tf_support import require_tensorflow, seed_everything

Progress = Callable[[str], None]


class TeacherError(ToolchainError):
    """The given teacher model cannot be loaded or does not fit the data."""


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 8
    batch_size: int = 32
    learning_rate: float = 3e-3
    seed: int = 0


def train_teacher(spec: ArchSpec, train: Dataset, settings: TrainSettings, progress: Progress | None = None):
    seed_everything(settings.seed)
    model = build_teacher(spec, train.sample_shape, train.num_classes)
    onehot = _onehot(train.y, train.num_classes)
    _fit(model, train.x, np.concatenate([onehot, onehot], axis=1), train.num_classes,
         temperature=1.0, alpha=0.0, settings=settings, progress=progress, what="teacher")
    return model


def train_student(spec: ArchSpec, train: Dataset, settings: TrainSettings, teacher_logits: np.ndarray | None,
                  temperature: float = 4.0, alpha: float = 0.7, progress: Progress | None = None,
                  what: str = "student"):
    """Distil from `teacher_logits` (one row per training sample); None trains on labels alone."""
    seed_everything(settings.seed)  # the baseline and the distilled student start from equal weights
    model = build_student(spec, train.sample_shape, train.num_classes)
    onehot = _onehot(train.y, train.num_classes)
    if teacher_logits is None:
        soft, alpha = onehot, 0.0
    else:
        soft = softmax(teacher_logits / temperature)
    _fit(model, train.x, np.concatenate([onehot, soft], axis=1), train.num_classes,
         temperature, alpha, settings, progress, what)
    return model


def load_teacher(path: Path, data: Dataset):
    require_tensorflow()
    import keras

    if path.suffix not in (".keras", ".h5"):
        raise TeacherError(f"{path}: a teacher must be a Keras model (.keras or .h5)")
    if not path.exists():
        raise TeacherError(f"{path}: no such file")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for broken or foreign files
        raise TeacherError(f"{path}: cannot load Keras model ({type(exc).__name__}: {exc})") from None
    in_shape, out_shape = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    if in_shape != data.sample_shape:
        raise TeacherError(f"{path}: teacher takes {list(in_shape)} but the samples are {list(data.sample_shape)}")
    if out_shape != (data.num_classes,):
        raise TeacherError(f"{path}: teacher outputs {list(out_shape)} but the data has {data.num_classes} classes")
    return model


def predict_logits(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Logits of any classifier: ours expose the `logits` layer; others' probabilities map back via log."""
    import keras

    names = {layer.name for layer in model.layers}
    if "logits" in names:
        model = keras.Model(model.input, model.get_layer("logits").output)
        return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float32)
    out = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float32)
    is_probability = np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3)
    return np.log(np.clip(out, 1e-7, 1.0)) if is_probability else out  # log p = logits + const


def accuracy(model, data: Dataset) -> float:
    return float(np.mean(np.argmax(predict_logits(model, data.x), axis=1) == data.y))


def count_params(model) -> int:
    return int(model.count_params())


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def _onehot(y: np.ndarray, n: int) -> np.ndarray:
    return np.eye(n, dtype=np.float32)[y]


def _fit(model, x, targets, num_classes, temperature, alpha, settings: TrainSettings, progress, what):
    import keras
    from keras import ops

    trainable = keras.Model(model.input, model.get_layer("logits").output)

    def distillation_loss(y_true, logits):
        hard, soft = y_true[:, :num_classes], y_true[:, num_classes:]
        ce = keras.losses.categorical_crossentropy(hard, logits, from_logits=True)
        log_student = ops.log_softmax(logits / temperature, axis=-1)
        kl = ops.sum(soft * (ops.log(ops.clip(soft, 1e-8, 1.0)) - log_student), axis=-1)
        return (1.0 - alpha) * ce + alpha * temperature ** 2 * kl

    def label_accuracy(y_true, logits):
        hits = ops.equal(ops.argmax(y_true[:, :num_classes], axis=-1), ops.argmax(logits, axis=-1))
        return ops.mean(ops.cast(hits, "float32"))

    steps = settings.epochs * int(np.ceil(len(x) / settings.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate, decay_steps=max(steps, 1), alpha=0.05)
    trainable.compile(optimizer=keras.optimizers.Adam(schedule), loss=distillation_loss, metrics=[label_accuracy])
    callbacks = [_epoch_lines(what, settings.epochs, progress)] if progress else []
    trainable.fit(x, targets, batch_size=settings.batch_size, epochs=settings.epochs, shuffle=True,
                  verbose=0, callbacks=callbacks)
    recalibrate_batchnorm(model, x)


def recalibrate_batchnorm(model, x: np.ndarray, max_samples: int = 1024) -> None:
    """Set every BatchNormalization's moving statistics to the exact statistics of the final weights.

    The moving averages trail the weights: after a short training run they describe an earlier network,
    and the model then predicts far worse than it trained (down to chance). Recomputing them layer by
    layer, front to back, on training data makes inference (and the folded int8 model) match training.
    """
    import keras

    x = x[:max_samples]
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        # an eager call: predict() would trace a new graph for every prefix model, seconds each
        features = np.asarray(keras.Model(model.input, layer.input)(x, training=False))
        axes = tuple(range(features.ndim - 1))
        layer.moving_mean.assign(features.mean(axis=axes))
        layer.moving_variance.assign(features.var(axis=axes))


def _epoch_lines(what: str, epochs: int, progress: Progress):
    """A Keras callback (defined here, so this module imports without TensorFlow) reporting each epoch."""
    import keras

    class EpochLines(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            progress(f"{what}: epoch {epoch + 1}/{epochs}  loss {logs.get('loss', float('nan')):.4f}  "
                     f"train acc {logs.get('label_accuracy', float('nan')):.3f}")

    return EpochLines()
