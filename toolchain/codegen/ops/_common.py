"""Helpers shared by the per-operator builders."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import ConstArray
from toolchain.codegen.params import activation_range_quantized, fused_activation, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Tensor


def constant_input(graph: Graph, op: Operator, position: int, what: str) -> Tensor:
    """An operator input that must be a constant tensor (weights, bias)."""
    if position >= len(op.inputs) or op.inputs[position] < 0:
        raise UnsupportedError(f"operator {op.index} {op.op}: missing {what}")
    t = graph.tensors[op.inputs[position]]
    if not t.is_constant:
        raise UnsupportedError(f"operator {op.index} {op.op}: {what} must be a constant tensor")
    return t


def optional_input(graph: Graph, op: Operator, position: int) -> Tensor | None:
    if position >= len(op.inputs) or op.inputs[position] < 0:
        return None
    return graph.tensors[op.inputs[position]]


def folded_bias(bias: Tensor | None, filter_sums: np.ndarray, input_offset: int, name: str = "folded_bias") -> ConstArray:
    """bias + input_offset * sum(filter) per output channel, wrapped to int32 like the device's adds."""
    base = np.zeros(len(filter_sums), dtype=np.int64) if bias is None else bias.data.astype(np.int64)
    folded = base + np.int64(input_offset) * filter_sums.astype(np.int64)
    return ConstArray(name, "int32", ((folded + 2**31) % 2**32 - 2**31).astype(np.int32))


def require_zero_filter_offset(op: Operator, filt: Tensor) -> None:
    if filt.quant is not None and any(z != 0 for z in filt.quant.zero_point):
        raise UnsupportedError(f"operator {op.index} {op.op}: int8 weights must be symmetric (zero point 0)")


def no_bias_or_constant(graph: Graph, op: Operator, position: int) -> int:
    """The bias tensor index to pass (-1 passes NULL)."""
    bias = optional_input(graph, op, position)
    if bias is None:
        return -1
    if not bias.is_constant:
        raise UnsupportedError(f"operator {op.index} {op.op}: bias must be a constant tensor")
    return bias.index


def output_stage(op: Operator, out: Tensor, multipliers: np.ndarray, shifts: np.ndarray) -> dict:
    """The requantizing output stage conv-like kernels share: per-channel multiplier and shift, then
    the fused activation's clamp in the output's quantized domain."""
    act_min, act_max = activation_range_quantized(fused_activation(op), out)
    return {"act_min": act_min, "act_max": act_max,
            "multiplier": ConstArray("multiplier", "int32", multipliers),
            "shift": ConstArray("shift", "int32", shifts)}


def require_symmetric_int16(op: Operator, inp: Tensor, out: Tensor) -> None:
    if zero_point_of(inp) != 0 or zero_point_of(out) != 0:
        raise UnsupportedError(f"operator {op.index} {op.op}: int16 activations must have zero point 0")
