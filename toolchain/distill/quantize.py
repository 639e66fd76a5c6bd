"""Full-integer conversion and its honest check against the float model.

The int8 model has int8 input and output, per-channel int8 weights for convolutions and fully
connected layers, int32 biases, and batch size 1: what a microcontroller runs. Its accuracy is
measured with the TFLM interpreter (`tflite_micro`), which computes bit-for-bit what TFLM on a
device computes, so the figure reported here is the one the device will show.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolchain.errors import ToolchainError
from toolchain.distill.tf_support import quiet_native_output, require_tensorflow

REPRESENTATIVE_SAMPLES = 300


class ConversionError(ToolchainError):
    """The TFLite converter rejected the model."""


@dataclass(frozen=True)
class IOQuant:
    """How real values map onto an int8 tensor: real = scale * (q - zero_point)."""

    dtype: str
    shape: tuple[int, ...]
    scale: float
    zero_point: int

    def quantize(self, x: np.ndarray) -> np.ndarray:
        q = np.round(x / self.scale) + self.zero_point
        return np.clip(q, -128, 127).astype(np.int8)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return (q.astype(np.float32) - self.zero_point) * self.scale


def single_batch(model):
    """The same layers behind a batch-1 input, so the converter sees only static shapes."""
    import keras

    inputs = keras.Input(shape=model.input_shape[1:], batch_size=1, name="input")
    return keras.Model(inputs, model(inputs), name=model.name)


def to_int8_tflite(model, representative: np.ndarray) -> bytes:
    tf = require_tensorflow()
    converter = tf.lite.TFLiteConverter.from_keras_model(single_batch(model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]

    def samples():
        for sample in representative:
            yield [sample[None].astype(np.float32)]

    converter.representative_dataset = samples
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    # Per-channel scales for FULLY_CONNECTED too (convolutions always get them): TFLM supports it and
    # it keeps small dense layers as accurate as the convolutions.
    converter._experimental_disable_per_channel_quantization_for_dense_layers = False
    return _convert(converter)


def to_float_tflite(model) -> bytes:
    """The float model (e.g. the teacher, which the aggregator runs on escalation), batch 1."""
    tf = require_tensorflow()
    converter = tf.lite.TFLiteConverter.from_keras_model(single_batch(model))
    return _convert(converter)


def _convert(converter) -> bytes:
    try:
        with quiet_native_output():
            return bytes(converter.convert())
    except Exception as exc:  # the converter raises assorted internal error types
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConversionError(f"TFLite conversion failed: {first_line}") from None


def io_quant(details: dict) -> IOQuant:
    scales, zero_points = details["quantization_parameters"]["scales"], details["quantization_parameters"]["zero_points"]
    return IOQuant(dtype=np.dtype(details["dtype"]).name, shape=tuple(int(d) for d in details["shape"]),
                   scale=float(scales[0]) if len(scales) else 0.0,
                   zero_point=int(zero_points[0]) if len(zero_points) else 0)


def run_tflm(model_bytes: bytes, x: np.ndarray) -> tuple[np.ndarray, IOQuant, IOQuant]:
    """Quantize each sample, run it through the TFLM interpreter, return the raw int8 outputs."""
    from tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model_bytes)
    in_q = io_quant(interpreter.get_input_details(0))
    out_q = io_quant(interpreter.get_output_details(0))
    outputs = []
    for sample in x:
        interpreter.set_input(in_q.quantize(sample).reshape(in_q.shape), 0)
        interpreter.invoke()
        outputs.append(np.array(interpreter.get_output(0)).reshape(-1))
    return np.stack(outputs), in_q, out_q
