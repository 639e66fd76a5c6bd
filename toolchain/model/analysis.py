"""What a model costs: multiply-accumulates and weight bytes per operator, before any C is written."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolchain.errors import ModelError
from toolchain.model.graph import Graph, Operator

# Element-wise operators: one operation per output element.
_ELEMENTWISE = frozenset({"ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM",
                          "LOGISTIC", "TANH", "RELU", "RELU6", "RELU_N1_TO_1", "LEAKY_RELU",
                          "HARD_SWISH", "PRELU", "QUANTIZE", "DEQUANTIZE", "SOFTMAX", "LOG_SOFTMAX",
                          "EXP", "SQRT", "RSQRT", "ABS", "NEG"})


@dataclass(frozen=True)
class OperatorCost:
    index: int
    op: str
    inputs: tuple[str, ...]  # "int8[1, 49, 10, 1]" per non-constant input
    outputs: tuple[str, ...]
    macs: int
    weight_bytes: int


def _elements(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def operator_macs(graph: Graph, op: Operator) -> int:
    """Multiply-accumulates of one operator (element operations for element-wise ones)."""
    try:
        return _macs(graph, op)
    except (ValueError, IndexError, AttributeError, TypeError):
        raise ModelError(f"operator {op.index} ({op.op}): inputs do not have the shapes this operator takes") from None


def _macs(graph: Graph, op: Operator) -> int:
    out = graph.tensors[op.outputs[0]]
    ins = graph.op_inputs(op)
    if op.op == "CONV_2D":  # every output element sums kernel_h * kernel_w * input_channels products
        _, kh, kw, kc = ins[1].shape
        return _elements(out.shape) * kh * kw * kc
    if op.op == "TRANSPOSE_CONV":
        _, kh, kw, kc = ins[1].shape
        return _elements(ins[2].shape) * kh * kw * _elements(ins[1].shape[:1])
    if op.op == "DEPTHWISE_CONV_2D":
        _, kh, kw, _ = ins[1].shape
        return _elements(out.shape) * kh * kw
    if op.op in ("FULLY_CONNECTED", "BATCH_MATMUL"):
        return _elements(out.shape) * ins[1].shape[-1 if op.op == "FULLY_CONNECTED" else -2]
    if op.op in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"):
        return _elements(out.shape) * op.options.get("filter_height", 1) * op.options.get("filter_width", 1)
    if op.op in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"):
        return _elements(ins[0].shape)
    if op.op in _ELEMENTWISE:
        return _elements(out.shape)
    return 0


def operator_weight_bytes(graph: Graph, op: Operator) -> int:
    return sum(t.nbytes for t in graph.op_inputs(op) if t is not None and t.is_constant)


def operator_costs(graph: Graph) -> list[OperatorCost]:
    costs = []
    for op in graph.operators:
        ins = tuple(t.describe() for t in graph.op_inputs(op) if t is not None and not t.is_constant)
        outs = tuple(t.describe() for t in graph.op_outputs(op))
        costs.append(OperatorCost(op.index, op.op, ins, outs, operator_macs(graph, op),
                                  operator_weight_bytes(graph, op)))
    return costs
