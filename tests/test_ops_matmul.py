"""BATCH_MATMUL, TRANSPOSE_CONV, SVDF (int8, int16 (16x8 / 16x16), float32) and
UNIDIRECTIONAL_SEQUENCE_LSTM (int8, 16x8, float32): seeded random
single-operator models (broadcast batch dims, adj_x/adj_y, constant right operands; strides,
SAME/VALID, per-channel and per-tensor weights, int32/int64/int16/no bias, fused activations; SVDF's
and the LSTM's variable states carried from sample to sample, as TFLM keeps them between invocations),
every output byte equal to TFLM's, every build under ASan + UBSan. Samples 0 and 1 hold every input
at its minimum and maximum, so accumulators reach their extremes and outputs saturate."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import compare
from opmodels import PRODUCT_MAKERS, GraphBuilder, merge_graphs, random_inputs
from toolchain.codegen import unsupported_ops
from toolchain.model.graph import Quantization

MODELS = 10
SAMPLES = 6
TYPES = ("int8", "int16", "float32")
OP_TYPES = {"BATCH_MATMUL": TYPES, "TRANSPOSE_CONV": TYPES, "SVDF": ("int8", "float32"),  # SVDF int8: int16 state
            "UNIDIRECTIONAL_SEQUENCE_LSTM": TYPES}


def _inputs(graph, rng) -> list[np.ndarray]:
    inputs = random_inputs(graph, SAMPLES, rng)
    for x in inputs:
        if x.dtype != np.float32:
            x[0], x[1] = np.iinfo(x.dtype).min, np.iinfo(x.dtype).max
    return inputs


@pytest.fixture(scope="module")
def outcomes():
    cases = []
    for op in PRODUCT_MAKERS:
        for dtype in OP_TYPES[op]:
            graphs, inputs = [], []
            for k in range(MODELS):
                rng = np.random.default_rng(9800 + 100 * sorted(PRODUCT_MAKERS).index(op) + 20 * TYPES.index(dtype) + k)
                graph = PRODUCT_MAKERS[op](rng, dtype)
                graphs.append(graph)
                inputs += _inputs(graph, rng)
            cases.append((f"{op}/{dtype}", merge_graphs(graphs, op.lower()), inputs))
    return {o.label: o for o in compare(cases, sanitize=lambda index, label: True)}


@pytest.mark.parametrize("op,dtype", [(o, d) for o in sorted(PRODUCT_MAKERS) for d in OP_TYPES[o]])
def test_random_models_match_tflm(outcomes, op, dtype):
    outcome = outcomes[f"{op}/{dtype}"]
    assert len(outcome.want) == MODELS
    assert outcome.mismatch() is None, outcome.mismatch()


@pytest.mark.parametrize("op,dtype", [(o, d) for o in ("BATCH_MATMUL", "TRANSPOSE_CONV") for d in ("int8", "int16")])
def test_quantized_outputs_saturate(outcomes, op, dtype):
    """The chosen output scales drive some outputs into both limits (a test of the test)."""
    wants = np.concatenate([w.ravel() for w in outcomes[f"{op}/{dtype}"].want])
    info = np.iinfo(dtype)
    assert (wants == info.min).any() and (wants == info.max).any()


def test_batch_matmul_int16_needs_zero_points_like_tflm():
    b = GraphBuilder()
    x = b.tensor((2, 3), "int16", Quantization(scale=(0.001,), zero_point=(5,)))
    w = b.tensor((3, 2), "int16", Quantization(scale=(0.001,), zero_point=(0,)))
    y = b.tensor((2, 2), "int16", Quantization(scale=(0.01,), zero_point=(0,)))
    b.op("BATCH_MATMUL", (x, w), (y,), {"adj_x": False, "adj_y": False})
    problems = unsupported_ops(b.graph((x, w), (y,)))
    assert len(problems) == 1 and "zero point 0" in problems[0]["reason"]


def test_transpose_conv_output_shape_must_match():
    b = GraphBuilder()
    shape = b.tensor((4,), "int32", data=np.asarray([1, 4, 4, 2], dtype=np.int32))
    w = b.tensor((2, 3, 3, 1), "float32", data=np.zeros((2, 3, 3, 1), dtype=np.float32))
    x = b.tensor((1, 2, 2, 1), "float32")
    y = b.tensor((1, 5, 5, 2), "float32")
    b.op("TRANSPOSE_CONV", (shape, w, x), (y,), {"padding": "SAME", "stride_w": 2, "stride_h": 2})
    problems = unsupported_ops(b.graph((x,), (y,)))
    assert len(problems) == 1 and "output shape" in problems[0]["reason"]


def test_svdf_state_persists_between_runs(outcomes):
    """The same input twice in a row gives different outputs: the state carried the first run."""
    from toolchain.codegen.host import HostModel

    graph = next(g for g in (PRODUCT_MAKERS["SVDF"](np.random.default_rng(seed), "float32") for seed in range(50))
                 if g.tensors[g.operators[0].inputs[2]].shape[1] > 1  # memory > 1: the past counts
                 and g.operators[0].options["fused_activation_function"] == "NONE")
    x = np.random.default_rng(6).uniform(-4, 4, (1, *graph.input_tensors[0].shape)).astype(np.float32)
    first, second = (HostModel(graph).run([np.concatenate([x, x])])[0][k] for k in (0, 1))
    assert first.tobytes() != second.tobytes()


def test_svdf_state_is_never_shared():
    from toolchain.plan import plan_memory

    graph = PRODUCT_MAKERS["SVDF"](np.random.default_rng(7), "int8")
    state = graph.operators[0].inputs[4]
    plan = plan_memory(graph)
    region = next(a for a in plan.allocations if state in a.tensors)
    assert (region.first_op, region.last_op) == (0, len(graph.operators) - 1)
    assert all(not (a.offset < region.offset + region.size and region.offset < a.offset + a.size)
               for a in plan.allocations if a is not region)


def test_inspect_predicts_the_arena_with_scratch(tmp_path):
    """TRANSPOSE_CONV's output-sized accumulator is part of the figure `inspect` reports, which is
    exactly the arena the generated C declares."""
    from toolchain.codegen import generate_c
    from toolchain.inspect import inspect_model
    from toolchain.model.writer import write_model
    from toolchain.plan import plan_memory

    graph = PRODUCT_MAKERS["TRANSPOSE_CONV"](np.random.default_rng(8), "int16")
    path = tmp_path / "tconv.tflite"
    write_model(graph, path)
    report = inspect_model(path)
    assert report.arena_bytes == generate_c(graph).arena_bytes > plan_memory(graph).arena_bytes


def test_lstm_types_tflm_does_not_run_are_refused_by_name():
    """TFLM's LSTM reads int8 activations with int8 weights, int32 biases and an int16 cell state,
    int16 activations with int64 biases: other mixes (it would misread them) get one clear line."""
    graph = PRODUCT_MAKERS["UNIDIRECTIONAL_SEQUENCE_LSTM"](np.random.default_rng(5), "int16")
    op = graph.operators[0]
    for position in (12, 13, 14, 15):
        bias = graph.tensors[op.inputs[position]]
        bias.dtype, bias.data = "int32", bias.data.astype(np.int32)
    problems = unsupported_ops(graph)
    assert len(problems) == 1
    assert "biases int32: with int16 activations TFLM's LSTM takes int8 weights, int64 biases" in problems[0]["reason"]


def test_lstm_cell_activation_other_than_tanh_is_refused():
    graph = PRODUCT_MAKERS["UNIDIRECTIONAL_SEQUENCE_LSTM"](np.random.default_rng(5), "int8")
    graph.operators[0].options["fused_activation_function"] = "RELU"
    problems = unsupported_ops(graph)
    assert len(problems) == 1 and "cell gate activation RELU: TFLM's LSTM runs TANH only" in problems[0]["reason"]
