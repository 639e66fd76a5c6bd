"""int16 (16x8) ADD and AVERAGE_POOL_2D, int32 ADD and MUL: seeded random single-operator models,
every output byte of the generated C equal to TFLM's, every build under AddressSanitizer + UBSan.

ADD covers numpy broadcasting (lower ranks too), input/output scale ratios from 1/8 to ~1000 (the
output multiplier must stay below one, as TFLM's Prepare demands), fused activations, both values of
`pot_scale_int16` (TFLM's micro kernel takes the general-scale path either way) and some non-zero
zero points (TFLM accepts them for ADD). Samples 0 and 1 are all -32768 and all 32767.
int32 ADD/MUL: half the samples over the whole int32 range (sums and products wrap), half within
[-10, 10] (the fused-activation clamps show: MUL applies them, ADD ignores them, as TFLM)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from opcheck import compare
from opmodels import INT16, GraphBuilder, _broadcast_shapes, average_pool_2d, merge_graphs, random_inputs
from toolchain.codegen import unsupported_ops
from toolchain.model.graph import Quantization
from toolchain.model.writer import serialize_model
from toolchain.reference import reference_outputs

ADD_MODELS = 24
INT32_MODELS = 10
POOL_MODELS = 16
SAMPLES = 10
_ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def _q16(scale: float, zero_point: int = 0) -> Quantization:
    return Quantization(scale=(float(np.float32(scale)),), zero_point=(zero_point,))


def _log_uniform(rng, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def add_int16(rng) -> object:
    a_shape, b_shape, out_shape = _broadcast_shapes(rng)
    s1, s2 = _log_uniform(rng, 1e-5, 1e-2), _log_uniform(rng, 1e-5, 1e-2)
    # Output scale from 1/8 of the larger input scale (outputs saturate) to far above the sum.
    s_out = max(s1, s2) * _log_uniform(rng, 1 / 8, 8) if rng.random() < 0.8 else (s1 + s2) * _log_uniform(rng, 10, 1000)
    zps = [int(rng.integers(-2000, 2001)) if rng.random() < 0.2 else 0 for _ in range(3)]
    b = GraphBuilder()
    x1 = b.tensor(a_shape, INT16, _q16(s1, zps[0]))
    x2 = b.tensor(b_shape, INT16, _q16(s2, zps[1]))
    y = b.tensor(out_shape, INT16, _q16(s_out, zps[2]))
    b.op("ADD", (x1, x2), (y,), {"fused_activation_function": str(rng.choice(_ACTIVATIONS)),
                                 "pot_scale_int16": bool(rng.random() < 0.5)})
    return b.graph((x1, x2), (y,))


def global_average_pool_int16(rng) -> object:
    """A 7x7 (or 1x9) window over the whole input: the largest sums and counts the tests reach."""
    h, w = (7, 7) if rng.random() < 0.5 else (1, 9)
    channels = int(rng.integers(1, 5))
    quant = _q16(_log_uniform(rng, 1e-4, 1e-2))
    b = GraphBuilder()
    x = b.tensor((1, h, w, channels), INT16, quant)
    y = b.tensor((1, 1, 1, channels), INT16, quant)
    b.op("AVERAGE_POOL_2D", (x,), (y,), {"padding": "VALID", "stride_w": 1, "stride_h": 1, "filter_width": w,
                                         "filter_height": h, "fused_activation_function": "NONE"}, version=2)
    return b.graph((x,), (y,))


def add_int16_sweep(rng) -> tuple:
    """Every int16 value as input 1, plus a broadcast scalar at a 1/300 scale: the scalar's rescale
    keeps only a few bits below the 15-bit headroom, so the headroom itself is visible in the
    outputs (a 14-bit headroom gives different bytes here)."""
    s1 = 3e-4
    b = GraphBuilder()
    x1 = b.tensor((65536,), INT16, _q16(s1))
    x2 = b.tensor((1,), INT16, _q16(s1 / 300))
    y = b.tensor((65536,), INT16, _q16(s1 * 1.37))
    b.op("ADD", (x1, x2), (y,), {"fused_activation_function": "NONE", "pot_scale_int16": False})
    graph = b.graph((x1, x2), (y,))
    every = np.tile(np.arange(-32768, 32768, dtype=np.int16), (SAMPLES, 1))
    return graph, [every, rng.integers(-32768, 32768, size=(SAMPLES, 1)).astype(np.int16)]


def binary_int32(op: str, rng) -> object:
    a_shape, b_shape, out_shape = _broadcast_shapes(rng)
    b = GraphBuilder()
    x1, x2, y = b.tensor(a_shape, "int32"), b.tensor(b_shape, "int32"), b.tensor(out_shape, "int32")
    b.op(op, (x1, x2), (y,), {"fused_activation_function": str(rng.choice(_ACTIVATIONS))})
    return b.graph((x1, x2), (y,))


def _int32_inputs(graph, rng) -> list[np.ndarray]:
    inputs = random_inputs(graph, SAMPLES, rng)
    for x in inputs:
        x[SAMPLES // 2:] = rng.integers(-10, 11, size=x[SAMPLES // 2:].shape)
    return inputs


def _inputs_with_extremes(graph, rng) -> list[np.ndarray]:
    inputs = random_inputs(graph, SAMPLES, rng)
    for x in inputs:
        x[0], x[1] = -32768, 32767
    return inputs


def _case(label: str, graphs: list, seed: int, draw=_inputs_with_extremes) -> tuple:
    rng = np.random.default_rng(seed)
    inputs = [x for g in graphs for x in draw(g, rng)]
    return label, merge_graphs(graphs, label), inputs


@pytest.fixture(scope="module")
def outcomes():
    """Merged models (one build each), all under ASan + UBSan."""
    adds = [add_int16(np.random.default_rng(7100 + k)) for k in range(ADD_MODELS)]
    pools = [average_pool_2d(np.random.default_rng(7200 + k), INT16) for k in range(POOL_MODELS - 4)]
    pools += [global_average_pool_int16(np.random.default_rng(7300 + k)) for k in range(4)]
    half_add, half_pool = ADD_MODELS // 2, POOL_MODELS // 2
    cases = [_case("add_a", adds[:half_add], 1), _case("add_b", adds[half_add:], 2),
             _case("avgpool_a", pools[:half_pool], 3), _case("avgpool_b", pools[half_pool:], 4),
             ("add_sweep", *add_int16_sweep(np.random.default_rng(7400)))]
    cases += [_case(f"{op.lower()}_int32", [binary_int32(op, np.random.default_rng(seed + k)) for k in range(INT32_MODELS)],
                    seed, _int32_inputs) for op, seed in (("ADD", 7500), ("MUL", 7600))]
    return {o.label: o for o in compare(cases, sanitize=lambda index, label: True)}


@pytest.mark.parametrize("label", ["add_a", "add_b", "avgpool_a", "avgpool_b"])
def test_int16_models_match_tflm(outcomes, label):
    outcome = outcomes[label]
    expected_models = (ADD_MODELS if label.startswith("add") else POOL_MODELS) // 2
    assert len(outcome.want) == expected_models
    assert outcome.mismatch() is None, outcome.mismatch()
    # the extremes and the activations really reach the clamps: not every output is one value
    assert all(len(np.unique(w)) > 1 for w in outcome.want)


def test_add_int16_every_value_matches_tflm(outcomes):
    outcome = outcomes["add_sweep"]
    assert outcome.mismatch() is None, outcome.mismatch()
    assert outcome.want[0].shape == (SAMPLES, 65536)


@pytest.mark.parametrize("label", ["add_int32", "mul_int32"])
def test_int32_models_match_tflm(outcomes, label):
    outcome = outcomes[label]
    assert len(outcome.want) == INT32_MODELS
    assert outcome.mismatch() is None, outcome.mismatch()
    activations = [op.options["fused_activation_function"] for op in outcome.graph.operators]
    assert len(set(activations)) > 2  # the seeds cover several fused activations


def test_add_int16_saturates_like_tflm(outcomes):
    """Some ADD outputs hit the int16 limits (small output scales), so the clamp is exercised."""
    wants = np.concatenate([w.ravel() for label in ("add_a", "add_b") for w in outcomes[label].want])
    assert (wants == 32767).any() and (wants == -32768).any()


def test_average_pool_int16_requantizing_is_refused_like_tflm():
    b = GraphBuilder()
    x = b.tensor((1, 4, 4, 2), INT16, _q16(1e-3))
    y = b.tensor((1, 2, 2, 2), INT16, _q16(2e-3))
    b.op("AVERAGE_POOL_2D", (x,), (y,), {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                         "filter_height": 2, "fused_activation_function": "NONE"}, version=2)
    graph = b.graph((x,), (y,))
    problems = unsupported_ops(graph)
    assert [(p["index"], p["op"]) for p in problems] == [(0, "AVERAGE_POOL_2D")]
    assert "quantization differ" in problems[0]["reason"]
    with pytest.raises(Exception):
        reference_outputs(serialize_model(graph), [np.zeros((1, 1, 4, 4, 2), dtype=np.int16)])


def test_add_int32_ignores_fused_activation_like_tflm(outcomes):
    """TFLM's int32 ADD clamps to the whole int32 range: a RELU model still gives negative sums."""
    outcome = outcomes["add_int32"]
    activations = [op.options["fused_activation_function"] for op in outcome.graph.operators]
    assert any(act == "RELU" and (w < 0).any() for act, w in zip(activations, outcome.want))
