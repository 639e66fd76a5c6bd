"""Prove a split right: the same seeded inputs through the whole model and through head -> tail,
in the TFLM interpreter, compared byte for byte."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolchain.codegen.verify import random_inputs
from toolchain.model.graph import Graph
from toolchain.model.writer import serialize_model
from toolchain.reference import reference_chains
from toolchain.split.cut import split_graph

DEFAULT_CHECK_SAMPLES = 20


@dataclass(frozen=True)
class CutCheck:
    after: int
    samples: int
    exact_samples: int  # samples whose every output byte of head -> tail equals the whole model's

    @property
    def bit_exact(self) -> bool:
        return self.exact_samples == self.samples


def check_cuts(graph: Graph, cuts: list[int], samples: int = DEFAULT_CHECK_SAMPLES, seed: int = 0) -> list[CutCheck]:
    """One TFLM child process for the whole model and every cut's head -> tail."""
    inputs = random_inputs(graph, samples, seed)
    whole = serialize_model(graph)
    splits = [split_graph(graph, after) for after in cuts]
    finals = reference_chains([[whole]] + [[s.head_bytes(), s.tail_bytes()] for s in splits], inputs)
    expected = finals[0]
    return [CutCheck(after, samples, _exact_samples(expected, got, samples)) for after, got in zip(cuts, finals[1:])]


def _exact_samples(expected: list[np.ndarray], got: list[np.ndarray], samples: int) -> int:
    same = np.ones(samples, dtype=bool)
    for a, b in zip(expected, got):
        same &= (np.ascontiguousarray(a).view(np.uint8).reshape(samples, -1)
                 == np.ascontiguousarray(b).view(np.uint8).reshape(samples, -1)).all(axis=1)
    return int(same.sum())
