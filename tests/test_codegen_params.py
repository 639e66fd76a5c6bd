"""Generation-time constants computed as TFLM computes them (values checked by hand)."""
from __future__ import annotations

import pytest

from toolchain.codegen.c_literals import c_float, c_int
from toolchain.codegen.kernel_table import select_kernel, signature
from toolchain.codegen.params import (activation_range_quantized, padding_before, per_channel_multipliers,
                                      quantize_multiplier, round_half_away)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Quantization, Tensor


@pytest.mark.parametrize("real, expected", [
    (0.5, (1 << 30, 0)),
    (1.0, (1 << 30, 1)),
    (0.75, (1610612736, 0)),
    (0.1, (1717986918, -3)),          # 0.8 * 2^31 = 1717986918.4 -> 1717986918
    (3.0, (1610612736, 2)),
    (1.0 - 2.0 ** -40, (1 << 30, 1)),  # rounds up to 2^31: renormalised
    (1e-12, (0, 0)),                  # exponent below -31: the product is zero
    (0.0, (0, 0)),
])
def test_quantize_multiplier(real, expected):
    assert quantize_multiplier(real) == expected


def test_round_half_away_from_zero():
    assert [round_half_away(x) for x in (0.5, 1.5, 2.5, -0.5, -2.5, 2.4999)] == [1, 2, 3, -1, -3, 2]


def test_activation_ranges():
    out = Tensor(0, "y", (1,), "int8", Quantization((0.05,), (-10,)))
    assert activation_range_quantized("NONE", out) == (-128, 127)
    assert activation_range_quantized("RELU", out) == (-10, 127)
    assert activation_range_quantized("RELU6", out) == (-10, 110)
    assert activation_range_quantized("RELU_N1_TO_1", out) == (-30, 10)
    with pytest.raises(UnsupportedError):
        activation_range_quantized("TANH", out)


def test_activation_bound_beyond_int32_is_refused_as_tflm_refuses_it():
    # 6 / 2e-9 = 3e9 steps: TFLM's Prepare fails (no_integer_overflow_from_quantization); 1 / 2e-9 fits
    dead = Tensor(0, "y", (1,), "int16", Quantization((2e-9,), (0,)))
    assert activation_range_quantized("RELU", dead) == (0, 32767)
    assert activation_range_quantized("RELU_N1_TO_1", dead) == (-32768, 32767)
    with pytest.raises(UnsupportedError, match="RELU6: the bound 6.0 is 3000000000 steps"):
        activation_range_quantized("RELU6", dead)


def test_padding_and_per_channel():
    assert padding_before(stride=2, dilation=1, in_size=49, filter_size=10, out=25) == 4
    assert padding_before(stride=1, dilation=2, in_size=8, filter_size=3, out=8) == 2
    mults, shifts = per_channel_multipliers(0.5, (0.25, 0.1), 0.5, 2)
    # Scales are float32 first: float32(0.1) = 0.10000000149..., so not 1717986918 as for double 0.1.
    assert mults.tolist() == [1 << 30, 1717986944] and shifts.tolist() == [-1, -3]


def test_c_literals_are_exact():
    assert c_int(-2**31) == "(-2147483647 - 1)"
    assert c_float(0.1) == "0x1.99999ap-4f"  # float32(0.1), not the double
    assert c_float(-0.0) == "-0.0f"
    assert (c_float(float("inf")), c_float(float("-inf")), c_float(float("nan"))) == ("INFINITY", "(-INFINITY)", "NAN")


def test_kernel_selection_falls_back_to_portable():
    q = Quantization((0.1,), (0,))
    graph = Graph(tensors=[Tensor(0, "x", (1, 4), "int8", q), Tensor(1, "y", (1, 4), "int8", Quantization((1 / 256,), (-128,)))],
                  operators=[Operator(0, "SOFTMAX", (0,), (1,), {"beta": 1.0})], inputs=(0,), outputs=(1,))
    op = graph.operators[0]
    assert signature(graph, op) == "int8->int8"
    assert select_kernel(graph, op, "cortex-m4") is select_kernel(graph, op, None)
    assert select_kernel(graph, op, None).function == "tl_softmax_int8"
    assert select_kernel(graph, Operator(1, "FLOOR_MOD", (0, 0), (1,)), None) is None
