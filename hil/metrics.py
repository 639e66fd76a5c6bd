"""Numbers of a HIL run: device outputs against the TFLM reference, and latency."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# How a counter unit becomes milliseconds, given the board clock.
_MS_BASIS = {
    "cycles": "cycles / clock_hz",
    "instructions": "instructions / clock_hz (estimate: one instruction per cycle)",
    "microseconds": "microseconds / 1000",
}


@dataclass(frozen=True)
class Agreement:
    samples: int
    exact_samples: int
    max_abs_diff: float
    rmse: float
    cosine_similarity: float
    first_mismatch: int | None  # sample index

    @property
    def exact_match_rate(self) -> float:
        return self.exact_samples / self.samples if self.samples else 0.0


def exact_per_sample(device: list[np.ndarray], reference: list[np.ndarray]) -> np.ndarray:
    """True where every output byte of the sample equals the reference's."""
    samples = len(device[0]) if device else 0
    exact = np.ones(samples, dtype=bool)
    for a, b in zip(device, reference):
        a_bytes = np.ascontiguousarray(a).view(np.uint8).reshape(samples, -1)
        b_bytes = np.ascontiguousarray(b).view(np.uint8).reshape(samples, -1)
        exact &= (a_bytes == b_bytes).all(axis=1)
    return exact


def agreement(device: list[np.ndarray], reference: list[np.ndarray]) -> Agreement:
    """Per output tensor (N, *shape) arrays. Exactness is byte equality; the other figures
    compare raw values (quantized integers as they are, floats as floats)."""
    samples = len(device[0]) if device else 0
    exact = exact_per_sample(device, reference)
    diffs, ours, theirs = [], [], []
    for a, b in zip(device, reference):
        a64, b64 = a.astype(np.float64).reshape(-1), b.astype(np.float64).reshape(-1)
        diffs.append(a64 - b64)
        ours.append(a64)
        theirs.append(b64)
    diff = np.concatenate(diffs) if diffs else np.zeros(0)
    x, y = (np.concatenate(ours), np.concatenate(theirs)) if ours else (np.zeros(0), np.zeros(0))
    norms = float(np.linalg.norm(x) * np.linalg.norm(y))
    if norms > 0:  # rounding can put identical vectors at 1.0000000000000002: cosine is within [-1, 1]
        cosine = min(1.0, max(-1.0, float(np.dot(x, y) / norms)))
    else:  # both all-zero is agreement; one all-zero is not
        cosine = 1.0 if not x.any() and not y.any() else 0.0
    mismatches = np.flatnonzero(~exact)
    return Agreement(samples, int(exact.sum()), float(np.abs(diff).max()) if diff.size else 0.0,
                     float(np.sqrt(np.mean(diff ** 2))) if diff.size else 0.0, cosine,
                     int(mismatches[0]) if mismatches.size else None)


def accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Top-1: argmax of the (first) output per sample against integer or one-hot labels."""
    labels = np.asarray(labels)
    if labels.ndim > 1:
        labels = labels.reshape(len(labels), -1).argmax(axis=1)
    predicted = outputs.reshape(len(outputs), -1).argmax(axis=1)
    return float((predicted == labels.astype(np.int64)).mean()) if len(labels) else 0.0


@dataclass(frozen=True)
class Latency:
    unit: str
    median: float
    min: int
    max: int
    clock_hz: int

    def milliseconds(self) -> dict | None:
        if self.unit not in _MS_BASIS or (self.unit != "microseconds" and not self.clock_hz):
            return None
        scale = 1e-3 if self.unit == "microseconds" else 1e3 / self.clock_hz
        return {"median": self.median * scale, "min": self.min * scale, "max": self.max * scale,
                "basis": _MS_BASIS[self.unit], "clock_hz": self.clock_hz}

    def to_json(self) -> dict:
        return {"unit": self.unit, "median": self.median, "min": self.min, "max": self.max,
                "ms": self.milliseconds()}


def latency(counters: list[int], unit: str, clock_hz: int) -> Latency | None:
    if not counters:
        return None
    values = np.asarray(counters, dtype=np.int64)
    median = float(np.median(values))
    return Latency(unit, int(median) if median.is_integer() else median, int(values.min()), int(values.max()),
                   clock_hz)
