"""Arithmetic edge cases of the part-B kernels, bit-exact with TFLM: every int8 input value
(exhaustive), zero points at the extremes, scale ratios far above and below one (saturation),
float inputs that sit exactly on rounding halves or outside the integer range, and large
reduction counts."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import assert_all_exact, compare, compare_merged
from opmodels import GraphBuilder
from toolchain.model.graph import Quantization

ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
ZERO_POINTS = (-128, 0, 127)


def q(scale: float, zero_point: int) -> Quantization:
    return Quantization(scale=(float(np.float32(scale)),), zero_point=(zero_point,))


def unary(op: str, in_dtype: str, out_dtype: str, in_q, out_q, options=None, n: int = 256):
    b = GraphBuilder()
    x = b.tensor((n,), in_dtype, in_q)
    y = b.tensor((n,), out_dtype, out_q)
    b.op(op, (x,), (y,), options)
    return b.graph((x,), (y,))


def _exhaustive_unary_cases():
    cases = []
    for scale in (1e-4, 0.02, 0.1, 1.0, 8.0):
        for zp in ZERO_POINTS:
            label = f"scale{scale}/zp{zp}"
            cases.append((f"LOGISTIC/{label}", unary("LOGISTIC", "int8", "int8", q(scale, zp), q(1 / 256, -128)),
                          [ALL_INT8]))
            cases.append((f"TANH/{label}", unary("TANH", "int8", "int8", q(scale, zp), q(1 / 128, 0)), [ALL_INT8]))
            cases.append((f"RELU6/{label}", unary("RELU6", "int8", "int8", q(scale, zp), q(scale, zp)), [ALL_INT8]))
    # input/output scale ratios from 1/50 to 50: requantization saturates at both ends
    for in_scale, out_scale in ((0.5, 0.01), (0.01, 0.5), (0.05, 0.05), (0.3, 0.007)):
        for in_zp, out_zp in ((-128, 127), (127, -128), (0, 0), (-5, 100)):
            label = f"{in_scale}->{out_scale}/zp{in_zp}->{out_zp}"
            iq, oq = q(in_scale, in_zp), q(out_scale, out_zp)
            cases.append((f"RELU/{label}", unary("RELU", "int8", "int8", iq, oq), [ALL_INT8]))
            cases.append((f"REQUANTIZE/{label}", unary("QUANTIZE", "int8", "int8", iq, oq), [ALL_INT8]))
            cases.append((f"LEAKY_RELU/{label}", unary("LEAKY_RELU", "int8", "int8", iq, oq, {"alpha": 0.3}),
                          [ALL_INT8]))
            cases.append((f"LEAKY_RELU-alpha2/{label}",
                          unary("LEAKY_RELU", "int8", "int8", iq, oq, {"alpha": 2.0}), [ALL_INT8]))
            cases.append((f"REQUANTIZE-int16/{label}",
                          unary("QUANTIZE", "int8", "int16", iq, q(out_scale / 200, 0)), [ALL_INT8]))
            cases.append((f"DEQUANTIZE/{label}", unary("DEQUANTIZE", "int8", "float32", iq, None), [ALL_INT8]))
            cases.append((f"HARD_SWISH/{label}", unary("HARD_SWISH", "int8", "int8", iq, oq), [ALL_INT8]))
    # tiny scales (a random-weight MobileNetV3 head): TFLM's int16 shifts by 16 and more
    for in_scale, out_scale in ((1.229117e-07, 6.1455893e-08), (3e-08, 1e-08), (1e-09, 5e-10), (2e-07, 8e-07)):
        label = f"{in_scale}->{out_scale}"
        cases.append((f"HARD_SWISH/{label}", unary("HARD_SWISH", "int8", "int8", q(in_scale, 3), q(out_scale, -5)),
                      [ALL_INT8]))
    return cases


def _float_quantize_cases():
    """Inputs exactly on the rounding halves, huge magnitudes, infinities, NaN and signed zeros."""
    cases = []
    for scale, zp in ((0.1, 0), (0.0235, -128), (0.5, 127), (3.0, -7)):
        s = np.float32(scale)
        halves = (np.arange(-140, 140, dtype=np.float32) + np.float32(0.5)) * s
        specials = np.array([0.0, -0.0, 1e30, -1e30, np.inf, -np.inf, np.nan, 3e9, -3e9, 2.1e9],
                            dtype=np.float32)
        row = np.concatenate([halves, specials]).astype(np.float32)
        for out in ("int8", "int16"):
            graph = unary("QUANTIZE", "float32", out, None, q(scale, zp if out == "int8" else 0), n=row.size)
            cases.append((f"QUANTIZE-f32-{out}/scale{scale}/zp{zp}", graph, [row.reshape(1, -1)]))
    return cases


def _mul_cases():
    """Every int8 value times a handful of broadcast scalars, with product scale ratios above one."""
    rng = np.random.default_rng(3)
    cases = []
    for s1, s2, so in ((0.5, 0.5, 0.01), (0.02, 0.03, 0.5), (0.1, 0.1, 0.1)):
        for z1, z2, zo in ((-128, 127, 0), (127, -128, -128), (0, 0, 127)):
            b = GraphBuilder()
            x1 = b.tensor((256,), "int8", q(s1, z1))
            x2 = b.tensor((1,), "int8", q(s2, z2))
            y = b.tensor((256,), "int8", q(so, zo))
            b.op("MUL", (x1, x2), (y,), {"fused_activation_function": "NONE"})
            scalars = np.array([[-128], [-1], [0], [1], [127], [int(rng.integers(-128, 128))]], dtype=np.int8)
            cases.append((f"MUL/{s1}*{s2}->{so}/zp{z1},{z2},{zo}", b.graph((x1, x2), (y,)),
                           [np.repeat(ALL_INT8, len(scalars), axis=0), scalars]))
    return cases


def _mean_cases():
    """Large and odd reduction counts (the multiplier/count shift clamps), extreme zero points,
    scale ratios above one, and the same-quantization case."""
    rng = np.random.default_rng(5)
    cases = []
    for shape, axes in (((1, 40, 40, 2), (1, 2)), ((1, 7, 13, 3), (1, 2)), ((3, 257), (1,)), ((2, 3, 5, 7), (0, 3))):
        for (in_s, in_z), (out_s, out_z) in (((0.1, -128), (0.002, 127)), ((0.05, 127), (0.05, 127)),
                                            ((0.003, 0), (0.2, -128))):
            b = GraphBuilder()
            x = b.tensor(shape, "int8", q(in_s, in_z))
            a = b.tensor((len(axes),), "int32", data=np.asarray(axes, dtype=np.int32))
            out_shape = [1 if i in axes else d for i, d in enumerate(shape)]
            y = b.tensor(out_shape, "int8", q(out_s, out_z))
            b.op("MEAN", (x, a), (y,), {"keep_dims": True})
            inputs = rng.integers(-128, 128, size=(3, *shape)).astype(np.int8)
            inputs[0] = -128  # all at the minimum
            inputs[1] = 127   # all at the maximum
            cases.append((f"MEAN/{shape}/{axes}/{in_s}z{in_z}->{out_s}z{out_z}", b.graph((x,), (y,)), [inputs]))
    return cases


def _layout_cases():
    rng = np.random.default_rng(9)
    cases = []
    for zp in (-128, 127):
        b = GraphBuilder()
        x = b.tensor((2, 3, 4, 5), "int8", q(0.1, zp))
        p = b.tensor((4, 2), "int32", data=np.array([[1, 0], [0, 2], [3, 1], [2, 2]], dtype=np.int32))
        y = b.tensor((3, 5, 8, 9), "int8", q(0.1, zp))
        b.op("PAD", (x, p), (y,))
        cases.append((f"PAD/zp{zp}", b.graph((x,), (y,)), [rng.integers(-128, 128, (2, 2, 3, 4, 5)).astype(np.int8)]))
    # a window larger than the input with SAME padding, and a RELU6 clamp on a tiny scale
    b = GraphBuilder()
    x = b.tensor((1, 2, 3, 4), "int8", q(0.01, -3))
    y = b.tensor((1, 1, 1, 4), "int8", q(0.01, -3))
    b.op("MAX_POOL_2D", (x,), (y,), {"padding": "SAME", "stride_w": 3, "stride_h": 3, "filter_width": 5,
                                     "filter_height": 4, "fused_activation_function": "RELU6"})
    cases.append(("MAX_POOL_2D/window>input", b.graph((x,), (y,)),
                  [rng.integers(-128, 128, (8, 1, 2, 3, 4)).astype(np.int8)]))
    for axis in (0, 3, -1):
        b = GraphBuilder()
        parts = [b.tensor((2, 3, 2, k), "float32") if axis else b.tensor((k, 3, 2, 4), "float32") for k in (1, 2, 3, 1, 2)]
        total = sum(b.tensors[i].shape[axis] for i in parts)
        out_shape = list(b.tensors[parts[0]].shape)
        out_shape[axis] = total
        y = b.tensor(out_shape, "float32")
        b.op("CONCATENATION", parts, (y,), {"axis": axis, "fused_activation_function": "NONE"})
        cases.append((f"CONCATENATION/axis{axis}", b.graph(parts, (y,)),
                      [rng.uniform(-5, 5, (2, *b.tensors[i].shape)).astype(np.float32) for i in parts]))
    return cases


FLOAT_SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3e38, -3e38, 16.62, 16.6190471,
                           -9.0, -9.0000001, 88.7, -88.7, -103.0, 2.5, -3.0, 3.0, 6.0, -1e-7, 1e-30],
                          dtype=np.float32)


def _float_special_cases():
    """Infinities, NaN, signed zeros, subnormals and values at TFLM's cut-offs through the float
    kernels (TFLM's comparisons decide where NaN and inf end up; so must ours)."""
    n = FLOAT_SPECIALS.size
    row = FLOAT_SPECIALS.reshape(1, n)
    cases = []
    for op, options in (("LOGISTIC", None), ("TANH", None), ("RELU", None), ("RELU6", None),
                        ("LEAKY_RELU", {"alpha": 0.3}), ("HARD_SWISH", None)):
        cases.append((f"{op}/float-specials", unary(op, "float32", "float32", None, None, options, n=n), [row]))
    for activation in ("NONE", "RELU6"):
        b = GraphBuilder()
        x1, x2 = b.tensor((n,), "float32"), b.tensor((1,), "float32")
        y = b.tensor((n,), "float32")
        b.op("MUL", (x1, x2), (y,), {"fused_activation_function": activation})
        scalars = np.array([[0.0], [np.inf], [np.nan], [-2.0], [1e30]], dtype=np.float32)
        cases.append((f"MUL-{activation}/float-specials", b.graph((x1, x2), (y,)),
                      [np.repeat(row, len(scalars), axis=0), scalars]))
    b = GraphBuilder()
    x = b.tensor((1, 2, n // 2, 1), "float32")
    y = b.tensor((1, 1, n // 4, 1), "float32")
    b.op("MAX_POOL_2D", (x,), (y,), {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2,
                                     "filter_height": 2, "fused_activation_function": "NONE"})
    cases.append(("MAX_POOL_2D/float-specials", b.graph((x,), (y,)), [row.reshape(1, 1, 2, n // 2, 1)]))
    b = GraphBuilder()
    x = b.tensor((2, n // 2), "float32")
    a = b.tensor((1,), "int32", data=np.array([0], dtype=np.int32))
    y = b.tensor((n // 2,), "float32")
    b.op("MEAN", (x, a), (y,), {"keep_dims": False})
    cases.append(("MEAN/float-specials", b.graph((x,), (y,)), [row.reshape(1, 2, n // 2)]))
    return cases


def _int16_cases():
    """The int16 paths: requantization from and to int16, dequantization, and the byte-moving
    kernels on 2-byte elements."""
    rng = np.random.default_rng(13)
    full = np.concatenate([np.array([-32768, -32767, -1, 0, 1, 32767], dtype=np.int16),
                           rng.integers(-32768, 32768, size=250).astype(np.int16)]).reshape(1, 256)
    cases = []
    for in_q, out_q in ((q(0.001, 0), q(0.05, -128)), (q(0.02, 0), q(0.0001, 0)), (q(3e-5, 0), q(7e-4, 0))):
        out_dtype = "int8" if out_q.zero_point[0] else "int16"
        cases.append((f"REQUANTIZE-int16-{out_dtype}/{in_q.scale[0]}->{out_q.scale[0]}",
                      unary("QUANTIZE", "int16", out_dtype, in_q, out_q), [full]))
        cases.append((f"DEQUANTIZE-int16/{in_q.scale[0]}", unary("DEQUANTIZE", "int16", "float32", in_q, None), [full]))
    b = GraphBuilder()
    x = b.tensor((2, 3, 5), "int16", q(0.001, 0))
    p = b.tensor((3, 2), "int32", data=np.array([[0, 1], [2, 0], [1, 1]], dtype=np.int32))
    y = b.tensor((3, 5, 7), "int16", q(0.001, 0))
    b.op("PAD", (x, p), (y,))
    cases.append(("PAD-int16", b.graph((x,), (y,)), [rng.integers(-32768, 32768, (3, 2, 3, 5)).astype(np.int16)]))
    b = GraphBuilder()
    parts = [b.tensor((2, k, 3), "int16", q(0.001, 0)) for k in (1, 3, 2)]
    y = b.tensor((2, 6, 3), "int16", q(0.001, 0))
    b.op("CONCATENATION", parts, (y,), {"axis": 1, "fused_activation_function": "NONE"})
    cases.append(("CONCATENATION-int16", b.graph(parts, (y,)),
                  [rng.integers(-32768, 32768, (3, *b.tensors[i].shape)).astype(np.int16) for i in parts]))
    return cases


GROUPS = {"float_specials": _float_special_cases, "int16": _int16_cases, "exhaustive_unary": _exhaustive_unary_cases, "float_quantize": _float_quantize_cases,
          "mul": _mul_cases, "mean": _mean_cases, "layout": _layout_cases}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_edge_cases_match_tflm(group):
    cases = GROUPS[group]()
    outcomes = compare_merged(cases)
    assert len(outcomes) == len(cases)
    assert_all_exact(outcomes)


def test_exhaustive_cases_really_saturate():
    """The chosen scales drive requantization into both int8 limits (a test of the test)."""
    cases = dict((label, (graph, x)) for label, graph, x in _exhaustive_unary_cases())
    outcome = compare([("r", *cases["REQUANTIZE/0.5->0.01/zp-5->100"])], sanitize=lambda i, label: False)[0]
    values = set(outcome.got[0].reshape(-1).tolist())
    assert {-128, 127} <= values and outcome.mismatch() is None
