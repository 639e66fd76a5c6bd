"""How sure was a model? Predicted class and confidence from one output vector.

Confidence is the largest class probability. What the numbers mean is decided per batch
(`output_kind`), because a device may send softmax probabilities or raw logits:
- "probabilities": used as they are;
- "logits": turned into probabilities with a softmax (a sigmoid for a single output);
- "auto": values that are all in [0, 1] and sum to 1 (within 1 %) are probabilities, anything else
  is logits. A single value in [0, 1] is the probability of class 1 of a binary classifier.
int8 outputs are dequantized first (see models.Quantization), so 'auto' sees real values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROBABILITY_SUM_TOLERANCE = 0.01


@dataclass(frozen=True)
class Judgement:
    label: int
    confidence: float


def judge(values: list[float] | np.ndarray, kind: str = "auto") -> Judgement:
    """The predicted class and its probability for one output vector."""
    vector = np.asarray(values, dtype=np.float64).reshape(-1)
    probabilities = _as_probabilities(vector, kind)
    if probabilities.size == 1:  # binary classifier with one sigmoid output: p(class 1)
        p1 = float(probabilities[0])
        return Judgement(label=int(p1 >= 0.5), confidence=max(p1, 1.0 - p1))
    label = int(np.argmax(probabilities))
    return Judgement(label=label, confidence=float(probabilities[label]))


def _as_probabilities(vector: np.ndarray, kind: str) -> np.ndarray:
    if kind == "probabilities" or (kind == "auto" and _looks_like_probabilities(vector)):
        return np.clip(vector, 0.0, 1.0)
    if vector.size == 1:
        return 1.0 / (1.0 + np.exp(-vector))
    shifted = np.exp(vector - vector.max())  # subtract the max: no overflow for large logits
    return shifted / shifted.sum()


def _looks_like_probabilities(vector: np.ndarray) -> bool:
    in_range = bool(np.all((vector >= 0.0) & (vector <= 1.0)))
    if vector.size == 1:
        return in_range
    return in_range and abs(float(vector.sum()) - 1.0) <= PROBABILITY_SUM_TOLERANCE
