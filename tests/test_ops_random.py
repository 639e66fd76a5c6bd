"""Property test: seeded random single-operator models (built without TensorFlow), every output
byte of the generated C equal to TFLM's, for every operator and type the code generator supports.
Every case runs under AddressSanitizer + UBSan."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import compare
from opmodels import CASES, MODEL_MAKERS, merge_graphs, random_inputs
from toolchain.codegen.kernel_table import select_kernel

MODELS_PER_CASE = 5
SAMPLES = 12
SUPPORTED = CASES


def _case_seed(op: str, dtype: str, k: int) -> int:
    return (sorted(MODEL_MAKERS).index(op) * 2 + (dtype == "int8")) * 1000 + k


@pytest.fixture(scope="module")
def outcomes():
    """One merged model per case (its MODELS_PER_CASE random models side by side, output k from
    model k), so each case costs one build; every merged model runs under ASan + UBSan."""
    cases = []
    for op, dtype in SUPPORTED:
        graphs, inputs = [], []
        for k in range(MODELS_PER_CASE):
            rng = np.random.default_rng(_case_seed(op, dtype, k))
            graph = MODEL_MAKERS[op](rng, dtype)
            graphs.append(graph)
            inputs += random_inputs(graph, SAMPLES, rng)
        cases.append((f"{op}/{dtype}", merge_graphs(graphs, f"{op}_{dtype}"), inputs))
    return {tuple(o.label.split("/")): o for o in compare(cases, sanitize=lambda index, label: True)}


@pytest.mark.parametrize("op,dtype", SUPPORTED, ids=[f"{o}-{d}" for o, d in SUPPORTED])
def test_random_models_match_tflm(outcomes, op, dtype):
    outcome = outcomes[(op, dtype)]
    assert len(outcome.want) == MODELS_PER_CASE  # one output per model (output k: model k)
    assert outcome.mismatch() is None, outcome.mismatch()
    assert all(w.size > 0 for w in outcome.want)


def test_every_case_has_a_kernel():
    rng = np.random.default_rng(0)
    for op, dtype in SUPPORTED:
        graph = MODEL_MAKERS[op](rng, dtype)
        assert select_kernel(graph, graph.operators[0]) is not None, (op, dtype)
