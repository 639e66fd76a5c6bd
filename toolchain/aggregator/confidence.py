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

import math
from itertools import chain
from dataclasses import dataclass
from typing import Sequence

import numpy as np

PROBABILITY_SUM_TOLERANCE = 0.01
VECTORIZE_FROM = 8  # outputs per batch from which one numpy pass beats a Python loop


@dataclass(frozen=True)
class Judgement:
    label: int
    confidence: float


def judge(values: Sequence[float], kind: str = "auto") -> Judgement:
    """The predicted class and its probability for one output vector (plain Python: the vectors
    are short, and numpy's per-call overhead would dominate)."""
    vector = [float(v) for v in values]
    probabilities = _as_probabilities(vector, kind)
    if len(probabilities) == 1:  # binary classifier with one sigmoid output: p(class 1)
        p1 = probabilities[0]
        return Judgement(label=int(p1 >= 0.5), confidence=max(p1, 1.0 - p1))
    label = max(range(len(probabilities)), key=probabilities.__getitem__)
    return Judgement(label=label, confidence=probabilities[label])


def judge_all(outputs: Sequence[Sequence[float]], kind: str = "auto") -> list[Judgement]:
    """`judge` for every output of a batch. The usual batch (many outputs of one length, at least
    two classes) is judged in one numpy pass, the same rules row by row."""
    width = len(outputs[0]) if outputs else 0
    if len(outputs) < VECTORIZE_FROM or width < 2 or any(len(output) != width for output in outputs):
        return [judge(output, kind) for output in outputs]
    # fromiter over the flattened rows: several times faster than asarray on a list of lists
    values = np.fromiter(chain.from_iterable(outputs), np.float64, len(outputs) * width).reshape(len(outputs), width)
    if kind == "probabilities":
        use_as_is = np.ones(len(values), dtype=bool)
    elif kind == "auto":
        use_as_is = (((values >= 0.0) & (values <= 1.0)).all(axis=1)
                     & (np.abs(values.sum(axis=1) - 1.0) <= PROBABILITY_SUM_TOLERANCE))
    else:
        use_as_is = np.zeros(len(values), dtype=bool)
    exps = np.exp(values - values.max(axis=1, keepdims=True))
    probabilities = np.where(use_as_is[:, None], np.clip(values, 0.0, 1.0), exps / exps.sum(axis=1, keepdims=True))
    labels = probabilities.argmax(axis=1)  # the first of equal maxima, as judge()
    confidences = probabilities[np.arange(len(values)), labels]
    return [Judgement(label, confidence) for label, confidence in zip(labels.tolist(), confidences.tolist())]


def _as_probabilities(vector: list[float], kind: str) -> list[float]:
    if kind == "probabilities" or (kind == "auto" and _looks_like_probabilities(vector)):
        return [min(1.0, max(0.0, v)) for v in vector]
    if len(vector) == 1:
        return [1.0 / (1.0 + math.exp(-vector[0]))]
    top = max(vector)
    exps = [math.exp(v - top) for v in vector]  # subtract the max: no overflow for large logits
    total = sum(exps)
    return [e / total for e in exps]


def _looks_like_probabilities(vector: list[float]) -> bool:
    in_range = all(0.0 <= v <= 1.0 for v in vector)
    if len(vector) == 1:
        return in_range
    return in_range and abs(sum(vector) - 1.0) <= PROBABILITY_SUM_TOLERANCE
