"""Arithmetic operators of issue 12 (SUB, MAXIMUM, MINIMUM, PRELU, ELU, ABS, RSQRT, NEG, SQRT, EXP,
LOG, FLOOR, ...): seeded random single-operator models in every type TFLM runs them in, every
output byte of the generated C equal to TFLM's. Several operators share one build (merged side
by side); the first build of the run is under AddressSanitizer + UBSan."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import compare_merged
from opmodels import MATH_CASES, MATH_MAKERS, random_inputs
from toolchain.codegen.kernel_table import select_kernel

MODELS_PER_CASE = 4
SAMPLES = 10


def _seed(op: str, dtype: str, k: int) -> int:
    return 90_000 + sorted(MATH_MAKERS).index(op) * 100 + ("int8", "int16", "int32", "float32").index(dtype) * 10 + k


@pytest.fixture(scope="module")
def outcomes():
    cases = []
    for op, dtype in MATH_CASES:
        for k in range(MODELS_PER_CASE):
            rng = np.random.default_rng(_seed(op, dtype, k))
            graph = MATH_MAKERS[op](rng, dtype)
            cases.append((f"{op}/{dtype}/{k}", graph, random_inputs(graph, SAMPLES, rng)))
    results = compare_merged(cases, per_build=24)
    return {o.label: o for o in results}


@pytest.mark.parametrize("op,dtype", MATH_CASES, ids=[f"{o}-{d}" for o, d in MATH_CASES])
def test_random_models_match_tflm(outcomes, op, dtype):
    for k in range(MODELS_PER_CASE):
        outcome = outcomes[f"{op}/{dtype}/{k}"]
        assert outcome.mismatch() is None, outcome.mismatch()
        assert all(w.size > 0 for w in outcome.want)


def test_every_case_has_a_kernel():
    for op, dtype in MATH_CASES:
        graph = MATH_MAKERS[op](np.random.default_rng(0), dtype)
        assert select_kernel(graph, graph.operators[0]) is not None, (op, dtype)
