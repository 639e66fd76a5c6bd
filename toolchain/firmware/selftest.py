"""The self-test vector a generated firmware carries: one input per model input and the TFLM
interpreter's outputs for it, computed at generation time (toolchain.reference)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolchain.errors import ModelError
from toolchain.model.graph import Graph
from toolchain.reference import reference_outputs


@dataclass(frozen=True)
class SelfTest:
    inputs: tuple[np.ndarray, ...]  # one sample per model input (no stacking dimension)
    outputs: tuple[np.ndarray, ...]  # TFLM's outputs for it


def _seed(model_bytes: bytes) -> int:
    return int.from_bytes(hashlib.sha256(model_bytes).digest()[:8], "little")


def random_inputs(graph: Graph, model_bytes: bytes) -> tuple[np.ndarray, ...]:
    """A deterministic input (seeded by the model's hash) covering each input's value range."""
    rng = np.random.default_rng(_seed(model_bytes))
    samples = []
    for index in graph.inputs:
        t = graph.tensors[index]
        dtype = _numpy_dtype(t.dtype)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            samples.append(rng.integers(info.min, int(info.max) + 1, size=t.shape, dtype=dtype))
        else:
            samples.append(rng.uniform(-1.0, 1.0, size=t.shape).astype(dtype))
    return tuple(samples)


def _numpy_dtype(name: str) -> np.dtype:
    try:
        return np.dtype(name)
    except TypeError:
        raise ModelError(f"model input type {name!r} has no numpy equivalent") from None


def load_input(path: Path, graph: Graph) -> tuple[np.ndarray, ...]:
    """A user-chosen self-test input (.npy, one model input, its shape with or without batch)."""
    if len(graph.inputs) != 1:
        raise ModelError("--input takes a .npy for single-input models only")
    t = graph.tensors[graph.inputs[0]]
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: not a readable .npy file ({exc})") from None
    want = _numpy_dtype(t.dtype)
    if array.size != int(np.prod(t.shape)) or array.dtype != want:
        raise ModelError(f"{path}: expected {want} with shape {list(t.shape)}, got {array.dtype} {list(array.shape)}")
    return (array.reshape(t.shape),)


def make_selftest(model_path: Path, graph: Graph, inputs: tuple[np.ndarray, ...] | None = None) -> SelfTest:
    model_bytes = Path(model_path).read_bytes()
    inputs = inputs if inputs is not None else random_inputs(graph, model_bytes)
    outputs = reference_outputs(model_bytes, [x[np.newaxis] for x in inputs])
    return SelfTest(tuple(inputs), tuple(np.asarray(y[0]) for y in outputs))
