"""The large model the service asks when the tiny one is unsure (the cascade's second stage).

Two kinds of teacher:
- a .tflite file, run with the TFLM Python interpreter (`tflite_micro.runtime`, no TensorFlow);
  float models are the usual case, an int8 teacher gets its input quantized and output dequantized;
- a Keras model (.keras / .h5 file), loaded only when TensorFlow is installed.
Either way `predict` takes one flat float input and returns the flat float output vector.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from toolchain.aggregator.errors import AggregatorError
from toolchain.errors import ToolchainError
from toolchain.model.graph import Tensor
from toolchain.model.reader import parse_model

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
MIN_ARENA_BYTES = 64 * 1024
MAX_ARENA_BYTES = 256 * 1024 * 1024


class Teacher(Protocol):
    name: str
    input_size: int

    def predict(self, values: np.ndarray) -> np.ndarray:
        """One flat float input of `input_size` values -> the flat float output."""


def load_teacher(path: str | Path) -> Teacher:
    path = Path(path)
    if not path.exists():
        raise AggregatorError(f"teacher model {path}: no such file or folder")
    if path.suffix == ".tflite":
        return TfliteTeacher(path)
    if path.suffix in KERAS_SUFFIXES:
        return KerasTeacher(path)
    raise AggregatorError(f"teacher model {path}: expected a .tflite file or a Keras .keras/.h5 file")


@dataclass(frozen=True)
class _TensorCodec:
    """Float <-> tensor values for one model input/output (identity for float tensors)."""

    dtype: np.dtype
    scale: float
    zero_point: int

    @classmethod
    def of(cls, tensor: Tensor) -> "_TensorCodec":
        if tensor.dtype == "float32":
            return cls(np.dtype(np.float32), 1.0, 0)
        if tensor.dtype in ("int8", "uint8") and tensor.quant is not None and not tensor.quant.per_channel:
            return cls(np.dtype(tensor.dtype), float(tensor.quant.scale[0]), int(tensor.quant.zero_point[0]))
        raise AggregatorError(f"teacher tensor {tensor.name!r} is {tensor.describe()}: a teacher needs float32 "
                              "(or per-tensor quantized int8/uint8) inputs and outputs")

    def encode(self, values: np.ndarray) -> np.ndarray:
        if self.dtype == np.float32:
            return values.astype(np.float32)
        info = np.iinfo(self.dtype)
        quantized = np.round(values / self.scale) + self.zero_point
        return np.clip(quantized, info.min, info.max).astype(self.dtype)

    def decode(self, values: np.ndarray) -> np.ndarray:
        if self.dtype == np.float32:
            return values.astype(np.float64)
        return self.scale * (values.astype(np.float64) - self.zero_point)


class TfliteTeacher:
    """A .tflite teacher on the TFLM reference interpreter. The interpreter is not thread-safe, so
    calls are serialized (the service runs request handlers on a thread pool)."""

    def __init__(self, path: Path) -> None:
        try:
            data = path.read_bytes()
            graph = parse_model(data, name=path.stem, origin=str(path))  # a clear error before TFLM sees it
        except OSError as exc:
            raise AggregatorError(f"teacher model {path}: cannot read ({exc.strerror})") from None
        except ToolchainError as exc:
            raise AggregatorError(f"teacher model: {exc}") from None
        if len(graph.inputs) != 1 or len(graph.outputs) != 1:
            raise AggregatorError(f"teacher model {path}: needs exactly one input and one output "
                                  f"(has {len(graph.inputs)} and {len(graph.outputs)})")
        self.name = path.name
        input_tensor, output_tensor = graph.input_tensors[0], graph.output_tensors[0]
        self.input_size = input_tensor.num_elements
        self._input_shape = input_tensor.shape
        self._input_codec = _TensorCodec.of(input_tensor)
        self._output_codec = _TensorCodec.of(output_tensor)
        self._interpreter = _make_interpreter(data, path)
        self._lock = threading.Lock()

    def predict(self, values: np.ndarray) -> np.ndarray:
        tensor = self._input_codec.encode(np.asarray(values, dtype=np.float64)).reshape(self._input_shape)
        with self._lock:
            self._interpreter.set_input(tensor, 0)
            self._interpreter.invoke()
            output = np.array(self._interpreter.get_output(0))
        return self._output_codec.decode(output).reshape(-1)


def _make_interpreter(data: bytes, path: Path):
    """TFLM needs its arena size up front: start generous and grow until the model fits.
    (Never go near 256 bytes: TFLM crashes the whole process on such tiny arenas.)"""
    from tflite_micro import runtime

    arena = max(MIN_ARENA_BYTES, 16 * len(data))
    while True:
        try:
            return runtime.Interpreter.from_bytes(data, arena_size=arena)
        except (RuntimeError, ValueError) as exc:
            if arena >= MAX_ARENA_BYTES:
                raise AggregatorError(f"teacher model {path}: the TFLM interpreter cannot load it ({exc})") from None
            arena *= 4


class KerasTeacher:
    """A Keras teacher (needs the `train` extra: tensorflow-cpu)."""

    def __init__(self, path: Path) -> None:
        try:
            import tensorflow as tf
        except ImportError:
            raise AggregatorError(f"teacher model {path} is a Keras model, which needs TensorFlow: "
                                  "pip install 'tinylarge[train]', or give a .tflite teacher") from None
        try:
            model = tf.keras.models.load_model(path, compile=False)
        except Exception as exc:  # Keras raises many types for unreadable files
            raise AggregatorError(f"teacher model {path}: Keras cannot load it ({type(exc).__name__}: {exc})") from None
        self.name = path.name
        self._model = model
        self._input_shape = _keras_input_shape(model, path)
        self.input_size = int(np.prod(self._input_shape))
        self._lock = threading.Lock()

    def predict(self, values: np.ndarray) -> np.ndarray:
        batch = np.asarray(values, dtype=np.float32).reshape((1, *self._input_shape))
        with self._lock:
            output = self._model(batch, training=False)
        return np.asarray(output, dtype=np.float64).reshape(-1)


def _keras_input_shape(model, path: Path) -> tuple[int, ...]:
    shape = model.input_shape
    if isinstance(shape, list):
        raise AggregatorError(f"teacher model {path}: needs exactly one input (has {len(shape)})")
    dims = tuple(shape[1:])
    if any(d is None for d in dims):
        raise AggregatorError(f"teacher model {path}: input shape {shape} has unknown dimensions")
    return dims
