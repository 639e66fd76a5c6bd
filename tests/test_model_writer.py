"""The writer is the reader's inverse: shared models survive a write/read round trip unchanged."""

import numpy as np
import pytest

from tests.conftest import SHARED_MODELS
from toolchain.errors import ModelError
from toolchain.model.graph import Graph, Operator, Tensor
from toolchain.model.reader import parse_model, read_model
from toolchain.model.writer import serialize_model, write_model
from toolchain.reference import reference_outputs



def _tensor_key(t: Tensor):
    data = None if t.data is None else (t.data.dtype.str, t.data.shape, t.data.tobytes())
    return (t.index, t.name, t.shape, t.dtype, t.quant, t.is_variable, data)


def assert_same_graph(a: Graph, b: Graph) -> None:
    assert [_tensor_key(t) for t in a.tensors] == [_tensor_key(t) for t in b.tensors]
    assert a.operators == b.operators
    assert (a.inputs, a.outputs, a.description) == (b.inputs, b.outputs, b.description)


@pytest.mark.parametrize("path", SHARED_MODELS, ids=lambda p: p.stem)
def test_shared_model_round_trip(path, tmp_path):
    original = read_model(path)
    written = tmp_path / path.name
    write_model(original, written)
    again = read_model(written)
    assert_same_graph(original, again)
    assert serialize_model(again) == written.read_bytes()  # deterministic, a fixed point

    rng = np.random.default_rng(7)
    t = original.input_tensors[0]
    if t.dtype == "int8":
        x = rng.integers(-128, 128, size=(4, *t.shape)).astype(np.int8)
    else:
        x = rng.uniform(-3, 3, size=(4, *t.shape)).astype(np.float32)
    for want, got in zip(reference_outputs(path, [x]), reference_outputs(written, [x])):
        assert want.dtype == got.dtype and np.array_equal(want, got)


def test_constant_buffers_are_16_byte_aligned():
    graph = read_model(SHARED_MODELS[0])
    data = serialize_model(graph)
    for tensor in graph.tensors:
        if tensor.data is not None:
            raw = tensor.data.tobytes()
            offset = data.find(raw)
            assert offset > 0 and offset % 16 == 0


def test_unknown_option_is_a_model_error():
    graph = Graph(tensors=[Tensor(0, "x", (1, 4), "float32"), Tensor(1, "y", (1, 4), "float32")],
                  operators=[Operator(0, "ADD", (0, 0), (1,), {"no_such_option": 1})],
                  inputs=(0,), outputs=(1,))
    with pytest.raises(ModelError, match="no_such_option"):
        serialize_model(graph)


def test_unknown_operator_is_a_model_error():
    graph = Graph(tensors=[Tensor(0, "x", (1,), "float32")],
                  operators=[Operator(0, "NOT_AN_OP", (0,), (0,))], inputs=(0,), outputs=(0,))
    with pytest.raises(ModelError, match="NOT_AN_OP"):
        serialize_model(graph)


def test_enum_options_round_trip():
    graph = Graph(tensors=[Tensor(0, "x", (1, 4, 4, 2), "float32"), Tensor(1, "y", (1, 2, 2, 2), "float32")],
                  operators=[Operator(0, "MAX_POOL_2D", (0,), (1,),
                                      {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                       "filter_height": 2, "fused_activation_function": "RELU6"})],
                  inputs=(0,), outputs=(1,))
    assert parse_model(serialize_model(graph)).operators == graph.operators


def test_opmodels_round_trip():
    """Every generated single-operator model (options, per-channel quantization, omitted inputs)
    reads back as the Graph that was written."""
    from opmodels import CASES, MODEL_MAKERS

    for op, dtype in CASES:
        for seed in range(3):
            graph = MODEL_MAKERS[op](np.random.default_rng(seed), dtype)
            read = parse_model(serialize_model(graph))
            # the reader lists every field of the options table; the ones given must come back as given
            assert read.operators[0].options.items() >= graph.operators[0].options.items()
            assert [_tensor_key(t) for t in read.tensors] == [_tensor_key(t) for t in graph.tensors]
            assert_same_graph(read, parse_model(serialize_model(read)))
