"""Element-moving operators (SLICE, STRIDED_SLICE, TRANSPOSE, SPLIT, SPLIT_V, UNPACK, PACK,
EXPAND_DIMS, SPACE_TO_DEPTH, DEPTH_TO_SPACE, GATHER, SHAPE, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND) and
the resizes (RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR): seeded random single-operator models in every element
type TFLM runs them in, every output byte equal to TFLM's, every build under ASan + UBSan. Plus the
memory planner's views: contiguous outputs live inside their input's bytes and cost no copy."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import compare
from opmodels import SHAPE_MAKERS, GraphBuilder, merge_graphs, random_inputs, space_to_batch_nd
from toolchain.codegen import generate_c, unsupported_ops
from toolchain.model.graph import Quantization
from toolchain.plan import check_plan, plan_memory

MODELS = 6
SAMPLES = 4
TYPES = {
    "SLICE": ("int8", "int16", "int32", "float32"), "STRIDED_SLICE": ("int8", "int16", "int32", "float32"),
    "SPLIT": ("int8", "int16", "int32", "float32"), "SPLIT_V": ("int8", "int16", "int32", "float32"),
    "UNPACK": ("int8", "int16", "int32", "float32"), "PACK": ("int8", "int16", "int32", "float32"),
    "TRANSPOSE": ("int8", "int16", "float32"), "EXPAND_DIMS": ("int8", "int16", "float32"),
    "SPACE_TO_DEPTH": ("int8", "float32"), "DEPTH_TO_SPACE": ("int8", "float32"),
    "GATHER": ("int8", "float32"), "SHAPE": ("int8", "int16", "float32"),
    "RESIZE_BILINEAR": ("int8", "float32"), "RESIZE_NEAREST_NEIGHBOR": ("int8", "int16", "float32"),
    "SPACE_TO_BATCH_ND": ("int8", "float32"), "BATCH_TO_SPACE_ND": ("int8", "float32"),
}
CASES = [(op, dtype) for op in SHAPE_MAKERS for dtype in TYPES[op]]


def _models(op: str, dtype: str):
    graphs, inputs = [], []
    for k in range(MODELS):
        rng = np.random.default_rng(9100 + 100 * sorted(SHAPE_MAKERS).index(op) + 10 * TYPES[op].index(dtype) + k)
        graph = SHAPE_MAKERS[op](rng, dtype)
        graphs.append(graph)
        inputs.append(random_inputs(graph, SAMPLES, rng))
    return graphs, inputs


@pytest.fixture(scope="module")
def outcomes():
    """One merged model per operator (all its types side by side): one build each, under ASan + UBSan."""
    cases = []
    for op in SHAPE_MAKERS:
        graphs, inputs = [], []
        for dtype in TYPES[op]:
            g, x = _models(op, dtype)
            graphs += g
            inputs += [a for per_model in x for a in per_model]
        cases.append((op, merge_graphs(graphs, op.lower()), inputs))
    return {o.label: o for o in compare(cases, sanitize=lambda index, label: True)}


@pytest.mark.parametrize("op", sorted(SHAPE_MAKERS))
def test_random_models_match_tflm(outcomes, op):
    outcome = outcomes[op]
    assert len(outcome.graph.operators) == MODELS * len(TYPES[op])
    assert outcome.mismatch() is None, outcome.mismatch()
    assert sum(w.size for w in outcome.want) > 0


def test_every_case_is_supported():
    for op, dtype in CASES:
        graphs, _ = _models(op, dtype)
        for g in graphs:
            assert unsupported_ops(g) == [], (op, dtype)


def test_types_tflm_does_not_run_are_refused():
    rng = np.random.default_rng(1)
    for op, dtype in (("TRANSPOSE", "int32"), ("SPACE_TO_DEPTH", "int16"), ("EXPAND_DIMS", "int32"),
                      ("GATHER", "int16"), ("SPACE_TO_BATCH_ND", "int16")):
        problems = unsupported_ops(SHAPE_MAKERS[op](rng, dtype))
        assert [p["reason"] for p in problems] == ["no kernel for these types"], (op, dtype)


def _split_graph(axis: int, shape=(4, 3, 8), parts: int = 2):
    q = Quantization(scale=(0.1,), zero_point=(3,))
    b = GraphBuilder()
    a = b.tensor((1,), "int32", data=np.asarray([axis], dtype=np.int32))
    x = b.tensor(shape, "int8", q)
    relu_in = b.tensor(shape, "int8", q)
    b.op("RELU", (x,), (relu_in,))
    part = list(shape)
    part[axis] //= parts
    ys = [b.tensor(part, "int8", q) for _ in range(parts)]
    b.op("SPLIT", (a, relu_in), ys, {"num_splits": parts})
    outs = [b.tensor(part, "int8", q) for _ in range(parts)]
    for y, o in zip(ys, outs):
        b.op("RELU", (y,), (o,))
    return b.graph((x,), outs)


def test_split_of_the_outer_axis_is_a_view_without_code():
    graph = _split_graph(axis=0)
    plan = plan_memory(graph)
    check_plan(graph, plan)
    split = graph.operators[1]
    source, (first, second) = split.inputs[1], split.outputs
    assert plan.offsets[first] == plan.offsets[source]
    assert plan.offsets[second] == plan.offsets[source] + 48  # 2 rows of 3 x 8 int8 values
    sources = generate_c(graph)
    assert "tl_split" not in sources.files["tl_model.c"] and "memmove" not in sources.files["tl_model.c"]
    outcome = compare([("split-view", graph, [np.random.default_rng(2).integers(-128, 128, (3, 4, 3, 8)).astype(np.int8)])],
                      sanitize=lambda index, label: True)[0]
    assert outcome.mismatch() is None, outcome.mismatch()


def test_split_of_an_inner_axis_copies():
    graph = _split_graph(axis=2)
    assert "tl_split(" in generate_c(graph).files["tl_model.c"]
    outcome = compare([("split-copy", graph, [np.random.default_rng(3).integers(-128, 128, (3, 4, 3, 8)).astype(np.int8)])],
                      sanitize=lambda index, label: False)[0]
    assert outcome.mismatch() is None, outcome.mismatch()


def test_views_at_unaligned_offsets_get_their_own_bytes():
    """A part starting 3 bytes into its input is copied (memmove) rather than left at an address
    word loads could fault on."""
    graph = _split_graph(axis=0, shape=(2, 3), parts=2)
    plan = plan_memory(graph)
    split = graph.operators[1]
    source, (first, second) = split.inputs[1], split.outputs
    assert plan.offsets[first] == plan.offsets[source] and plan.offsets[second] % 16 == 0
    assert "memmove" in generate_c(graph).files["tl_model.c"]
    outcome = compare([("split-unaligned", graph, [np.random.default_rng(4).integers(-128, 128, (3, 2, 3)).astype(np.int8)])],
                      sanitize=lambda index, label: False)[0]
    assert outcome.mismatch() is None, outcome.mismatch()


def test_strided_slice_masks_tflm_ignores_are_refused():
    b = GraphBuilder()
    x = b.tensor((2, 3), "float32")
    consts = [b.tensor((2,), "int32", data=np.asarray(v, dtype=np.int32)) for v in ([0, 0], [2, 3], [1, 1])]
    y = b.tensor((2, 1, 3), "float32")
    b.op("STRIDED_SLICE", (x, *consts), (y,), {"new_axis_mask": 2})
    problems = unsupported_ops(b.graph((x,), (y,)))
    assert len(problems) == 1 and "new_axis_mask" in problems[0]["reason"]


def _resize_sweep(op: str, dtype: str, in_hw, out_hw, mode: int):
    b = GraphBuilder()
    q = Quantization(scale=(0.05,), zero_point=(-7,)) if dtype == "int8" else None
    x = b.tensor((1, *in_hw, 3), dtype, q)
    size = b.tensor((2,), "int32", data=np.asarray(out_hw, dtype=np.int32))
    y = b.tensor((1, *out_hw, 3), dtype, q)
    b.op(op, (x, size), (y,), {"align_corners": mode == 1, "half_pixel_centers": mode == 2})
    return b.graph((x,), (y,))


def test_resize_extremes_match_tflm():
    """Up- and downscaling by odd factors in every mode, inputs at the int8 limits (the 64-bit
    rounding of int8 bilinear), float inputs with infinities and huge values."""
    rng = np.random.default_rng(11)
    cases = []
    for op in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"):
        for dtype in ("int8", "float32"):
            graphs, inputs = [], []
            for in_hw, out_hw in (((3, 5), (17, 2)), ((7, 1), (3, 9)), ((1, 1), (4, 4)), ((9, 8), (9, 8))):
                for mode in range(3):
                    g = _resize_sweep(op, dtype, in_hw, out_hw, mode)
                    graphs.append(g)
                    if dtype == "int8":
                        x = rng.integers(-128, 128, (4, 1, *in_hw, 3)).astype(np.int8)
                        x[0], x[1] = -128, 127
                    else:
                        x = rng.uniform(-3e38, 3e38, (4, 1, *in_hw, 3)).astype(np.float32)
                        x[0, 0, 0, 0, 0] = np.inf
                    inputs.append(x)
            cases.append((f"{op}/{dtype}", merge_graphs(graphs), inputs))
    outcomes = compare(cases, sanitize=lambda index, label: index == 0)
    for o in outcomes:
        assert o.mismatch() is None, o.mismatch()
    int8_bilinear = np.concatenate([w.ravel() for w in outcomes[0].want])
    assert {-128, 127} <= set(int8_bilinear.tolist())


def test_gather_with_runtime_positions_matches_tflm():
    b = GraphBuilder()
    x = b.tensor((5, 3, 2), "float32")
    pos = b.tensor((2, 4), "int32")
    y = b.tensor((5, 2, 4, 2), "float32")
    b.op("GATHER", (x, pos), (y,), {"axis": 1, "batch_dims": 0})
    graph = b.graph((x, pos), (y,))
    rng = np.random.default_rng(12)
    inputs = [rng.uniform(-1, 1, (6, 5, 3, 2)).astype(np.float32), rng.integers(0, 3, (6, 2, 4)).astype(np.int32)]
    outcome = compare([("gather-runtime", graph, inputs)], sanitize=lambda index, label: True)[0]
    assert outcome.mismatch() is None, outcome.mismatch()


def test_gather_constant_position_out_of_range_is_refused():
    b = GraphBuilder()
    x = b.tensor((4, 2), "int8", Quantization(scale=(0.1,), zero_point=(0,)))
    pos = b.tensor((1,), "int32", data=np.asarray([4], dtype=np.int32))
    y = b.tensor((1, 2), "int8", Quantization(scale=(0.1,), zero_point=(0,)))
    b.op("GATHER", (x, pos), (y,), {"axis": 0, "batch_dims": 0})
    problems = unsupported_ops(b.graph((x,), (y,)))
    assert len(problems) == 1 and "outside [0, 4)" in problems[0]["reason"]


def test_space_to_batch_padding_is_the_zero_point_and_the_rest_is_tflm():
    """TFLM's padding bytes are undefined (arena contents); ours are the output zero point, and
    every element that comes from the input equals TFLM's."""
    graphs, inputs = [], []
    for k in range(8):
        rng = np.random.default_rng(9700 + k)
        g = space_to_batch_nd(rng, "int8" if k % 2 else "float32", padded=True)
        graphs.append(g)
        inputs.append(random_inputs(g, SAMPLES, rng)[0])
    outcome = compare([("s2b-padded", merge_graphs(graphs), inputs)], sanitize=lambda index, label: True)[0]
    padded_elements = 0
    for g, x, want, got in zip(graphs, inputs, outcome.want, outcome.got):
        # which output elements come from the input: run our kernel on a marker input
        marker = compare([("marker", g, [np.ones_like(x[:1])])], sanitize=lambda index, label: False)[0].got[0][0]
        zero = g.output_tensors[0].quant.zero_point[0] if g.output_tensors[0].quant else 0
        from_input = marker == 1
        if zero == 1:
            continue  # the marker cannot tell padding from input here
        padded_elements += int((~from_input).sum())
        assert (got[:, ~from_input] == zero).all()
        assert got[:, from_input].tobytes() == want[:, from_input].tobytes()
    assert padded_elements > 0
