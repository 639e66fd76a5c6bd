"""Property test: seeded random single-operator models (built without TensorFlow), every output
byte of the generated C equal to TFLM's, for every operator and type the code generator supports.
One model per case runs under AddressSanitizer + UBSan instead of ctypes."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import compare
from opmodels import CASES, MODEL_MAKERS, random_inputs
from toolchain.codegen.kernel_table import select_kernel

MODELS_PER_CASE = 5
SAMPLES = 12
SUPPORTED = CASES


def _case_seed(op: str, dtype: str, k: int) -> int:
    return (sorted(MODEL_MAKERS).index(op) * 2 + (dtype == "int8")) * 1000 + k


@pytest.fixture(scope="module")
def outcomes():
    cases = []
    for op, dtype in SUPPORTED:
        for k in range(MODELS_PER_CASE):
            rng = np.random.default_rng(_case_seed(op, dtype, k))
            graph = MODEL_MAKERS[op](rng, dtype)
            cases.append((f"{op}/{dtype}/model{k}", graph, random_inputs(graph, SAMPLES, rng)))
    results = {}
    for outcome in compare(cases, sanitize=lambda index, label: label.endswith("/model0")):
        results.setdefault(tuple(outcome.label.split("/")[:2]), []).append(outcome)
    return results


@pytest.mark.parametrize("op,dtype", SUPPORTED, ids=[f"{o}-{d}" for o, d in SUPPORTED])
def test_random_models_match_tflm(outcomes, op, dtype):
    runs = outcomes[(op, dtype)]
    assert len(runs) == MODELS_PER_CASE
    problems = [m for m in (o.mismatch() for o in runs) if m]
    assert not problems, "\n".join(problems)
    assert all(o.want[0].size > 0 for o in runs)


def test_every_case_has_a_kernel():
    rng = np.random.default_rng(0)
    for op, dtype in SUPPORTED:
        graph = MODEL_MAKERS[op](rng, dtype)
        assert select_kernel(graph, graph.operators[0]) is not None, (op, dtype)
