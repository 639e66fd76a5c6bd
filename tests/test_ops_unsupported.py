"""Models TFLM refuses are refused by the code generator too: reported per operator before any
file is written (UnsupportedError, exit code 2), never silently given different numbers."""
from __future__ import annotations

import numpy as np
import pytest

from opmodels import PRODUCT_MAKERS, GraphBuilder
from toolchain.codegen import generate_c, unsupported_ops
from toolchain.errors import ModelError, UnsupportedError
from toolchain.model.graph import Quantization
from toolchain.model.writer import serialize_model
from toolchain.reference import reference_outputs


def q(scale: float, zero_point: int) -> Quantization:
    return Quantization(scale=(scale,), zero_point=(zero_point,))


def concat_mixed_quantization():
    b = GraphBuilder()
    x1, x2 = b.tensor((1, 4), "int8", q(0.1, 3)), b.tensor((1, 3), "int8", q(0.05, -20))
    y = b.tensor((1, 7), "int8", q(0.1, 3))
    b.op("CONCATENATION", (x1, x2), (y,), {"axis": 1, "fused_activation_function": "NONE"})
    return b.graph((x1, x2), (y,)), "quantization differs"


def concat_fused_relu():
    b = GraphBuilder()
    x = b.tensor((1, 4), "float32")
    y = b.tensor((1, 8), "float32")
    b.op("CONCATENATION", (x, x), (y,), {"axis": 1, "fused_activation_function": "RELU"})
    return b.graph((x,), (y,)), "fused activations"


def max_pool_requantizing(zero_point_only: bool):
    b = GraphBuilder()
    x = b.tensor((1, 4, 4, 2), "int8", q(0.1, 3))
    y = b.tensor((1, 2, 2, 2), "int8", q(0.1 if zero_point_only else 0.05, -20))
    b.op("MAX_POOL_2D", (x,), (y,), {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                     "filter_height": 2, "fused_activation_function": "NONE"})
    return b.graph((x,), (y,)), "quantization differ"


def average_pool_requantizing():
    b = GraphBuilder()
    x = b.tensor((1, 4, 4, 2), "int8", q(0.1, 3))
    y = b.tensor((1, 2, 2, 2), "int8", q(0.05, 3))
    b.op("AVERAGE_POOL_2D", (x,), (y,), {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                         "filter_height": 2, "fused_activation_function": "NONE"})
    return b.graph((x,), (y,)), "quantization differ"


def padv2_requantizing_constant():
    b = GraphBuilder()
    x = b.tensor((2, 3), "int8", q(0.1, 3))
    p = b.tensor((2, 2), "int32", data=np.array([[1, 1], [0, 1]], dtype=np.int32))
    c = b.tensor((1,), "int8", q(0.3, 7), data=np.array([50], dtype=np.int8))
    y = b.tensor((4, 4), "int8", q(0.1, 3))
    b.op("PADV2", (x, p, c), (y,))
    return b.graph((x,), (y,)), "quantization differs"


def logistic_output_zero_point():
    b = GraphBuilder()
    x = b.tensor((8,), "int8", q(0.05, 3))
    y = b.tensor((8,), "int8", q(1 / 256, 0))
    b.op("LOGISTIC", (x,), (y,))
    return b.graph((x,), (y,)), "zero point must be -128"


def int16_table_activation(op: str, out_scale: float, zero_point: int):
    b = GraphBuilder()
    x = b.tensor((8,), "int16", q(1e-3, zero_point))
    y = b.tensor((8,), "int16", q(out_scale, 0))
    b.op(op, (x,), (y,))
    return b.graph((x,), (y,)), "must be 2^-15" if zero_point == 0 else "zero points 0"


def log_softmax_output_quantization():
    b = GraphBuilder()
    x = b.tensor((2, 8), "int8", q(0.05, 3))
    y = b.tensor((2, 8), "int8", q(1 / 16, 0))
    b.op("LOG_SOFTMAX", (x,), (y,))
    return b.graph((x,), (y,)), "scale 16/256 and zero point 127"


def reduce_max_requantizing():
    b = GraphBuilder()
    x = b.tensor((2, 8), "int8", q(0.05, 3))
    a = b.tensor((1,), "int32", data=np.array([1], dtype=np.int32))
    y = b.tensor((2,), "int8", q(0.1, 3))
    b.op("REDUCE_MAX", (x, a), (y,), {"keep_dims": False})
    return b.graph((x,), (y,)), "quantization differ"


def hard_swish_int16():
    b = GraphBuilder()
    x = b.tensor((8,), "int16", q(1e-3, 0))
    y = b.tensor((8,), "int16", q(1e-3, 0))
    b.op("HARD_SWISH", (x,), (y,))
    return b.graph((x,), (y,)), "TFLM has no int16 HARD_SWISH kernel"


def lstm_int8(change):
    """A random int8 LSTM that `change(graph, op)` makes into one TFLM's Prepare rejects."""
    graph = PRODUCT_MAKERS["UNIDIRECTIONAL_SEQUENCE_LSTM"](np.random.default_rng(3), "int8")
    return graph, change(graph, graph.operators[0])


def lstm_peephole(graph, op):
    units = graph.tensors[op.inputs[18]].shape[1]
    peephole = len(graph.tensors)
    graph.tensors.append(type(graph.tensors[0])(index=peephole, name="peephole", shape=(units,), dtype="int16",
                                                quant=q(1e-3, 0), data=np.ones(units, dtype=np.int16)))
    op.inputs = (*op.inputs[:10], peephole, *op.inputs[11:])
    return "peephole"


def lstm_state_not_variable(graph, op):
    graph.tensors[op.inputs[19]].is_variable = False
    return "variable tensors"


CASES = {
    "hard-swish-int16": hard_swish_int16,
    "lstm-peephole": lambda: lstm_int8(lstm_peephole),
    "lstm-cell-state-not-variable": lambda: lstm_int8(lstm_state_not_variable),
    "log-softmax-output-quantization": log_softmax_output_quantization,
    "reduce-max-requantizing": reduce_max_requantizing,
    "logistic-output-zero-point": logistic_output_zero_point,
    "logistic-int16-output-scale": lambda: int16_table_activation("LOGISTIC", 1 / 256, 0),
    "tanh-int16-zero-point": lambda: int16_table_activation("TANH", 2.0 ** -15, 5),
    "padv2-constant-quantization": padv2_requantizing_constant,
    "concat-mixed-quantization": concat_mixed_quantization,
    "concat-fused-relu": concat_fused_relu,
    "max-pool-scale": lambda: max_pool_requantizing(False),
    "max-pool-zero-point": lambda: max_pool_requantizing(True),
    "average-pool-int8-scale": average_pool_requantizing,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_like_tflm(name):
    graph, reason = CASES[name]()
    problems = unsupported_ops(graph)
    assert [(p["index"], p["op"]) for p in problems] == [(0, graph.operators[0].op)]
    assert reason in problems[0]["reason"]
    with pytest.raises(UnsupportedError) as caught:
        generate_c(graph)
    assert caught.value.exit_code == 2
    inputs = [np.zeros((1, *t.shape), dtype=t.dtype) for t in graph.input_tensors]
    with pytest.raises(ModelError, match="rejected|allocate"):
        reference_outputs(serialize_model(graph), inputs)
