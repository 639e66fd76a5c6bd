"""TFLM's int16 LOGISTIC / TANH: the 256-entry sigmoid table and the input rescale its Prepare
computes.

Entry i holds sigmoid(i / 24) in Q16 minus half the error that linear interpolation makes at the
segment's midpoint, rounded half up (double precision); this reproduces TFLM's constant table
entry for entry except the last, which TFLM stores as 65535 (the uint16 maximum) where the
formula gives 65534. The tests compare every int16 input with TFLM.
"""
from __future__ import annotations

import math

import numpy as np

from toolchain.codegen.kernel_table import ConstArray
from toolchain.codegen.ops._libm import logf, roundf
from toolchain.codegen.params import f32, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

ENTRIES = 256
STEP = 1.0 / 24.0
INPUT_INTEGER_BITS = 3
OUTPUT_LOG2_SCALE = -15


def sigmoid_table() -> np.ndarray:
    def scaled(x: float) -> float:
        return 65536.0 / (1.0 + math.exp(-x))

    table = []
    for i in range(ENTRIES):
        here, there, middle = scaled(i * STEP), scaled((i + 1) * STEP), scaled((i + 0.5) * STEP)
        midpoint_error = (here + there) / 2.0 - middle
        table.append(math.floor(here - midpoint_error / 2.0 + 0.5))
    table[-1] = 65535
    return np.asarray(table, dtype=np.uint16)


def checked_log2(scale: float) -> tuple[bool, int]:
    """TFLM's CheckedLog2, in float32: (is a power of two within 1e-3 in log2, rounded log2)."""
    log2 = logf(scale) * (np.float32(1.0) / logf(np.float32(2.0)))
    rounded = roundf(log2)
    return bool(abs(log2 - rounded) < np.float32(1e-3)), int(rounded)


def input_rescale(graph: Graph, op: Operator, power_of_two_shifts: tuple[int, ...]) -> tuple[int, int]:
    """(multiplier, right shift) taking the int16 input to table units: a power-of-two input scale
    with a shift in `power_of_two_shifts` becomes 3 << shift; any other scale * 3 * 4096 doubled
    until above 32767 / 2 (truncated to an integer). The output must be 2^-15 with zero point 0."""
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if zero_point_of(inp) != 0 or zero_point_of(out) != 0:
        raise UnsupportedError(f"operator {op.index} {op.op}: int16 needs zero points 0 (TFLM requires it)")
    out_pot, out_log2 = checked_log2(f32(scale_of(out)))
    if not out_pot or out_log2 != OUTPUT_LOG2_SCALE:
        raise UnsupportedError(f"operator {op.index} {op.op}: int16 output scale must be 2^-15, "
                               f"not {scale_of(out)} (TFLM requires it)")
    in_pot, in_log2 = checked_log2(f32(scale_of(inp)))
    shift = (15 - INPUT_INTEGER_BITS) + in_log2
    if in_pot and shift in power_of_two_shifts:
        return 3 << shift, 0
    multiplier, shift = float(f32(scale_of(inp))) * 4096.0 * 3.0, 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    return int(multiplier), shift


def table_call_params(graph: Graph, op: Operator, power_of_two_shifts: tuple[int, ...]) -> dict:
    multiplier, shift = input_rescale(graph, op, power_of_two_shifts)
    return {"count": graph.tensors[op.inputs[0]].num_elements, "input_multiplier": multiplier,
            "input_shift": shift, "table": ConstArray("sigmoid_table", "uint16", sigmoid_table())}
