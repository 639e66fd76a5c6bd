"""Arithmetic operators of issue 12 (SUB, MAXIMUM, MINIMUM, PRELU, ELU, ABS, RSQRT, NEG, SQRT, EXP,
LOG, FLOOR, ...): seeded random single-operator models in every type TFLM runs them in, every
output byte of the generated C equal to TFLM's. Several operators share one build (merged side
by side); the first build of the run is under AddressSanitizer + UBSan."""
from __future__ import annotations

import numpy as np
import pytest

from opcheck import assert_all_exact, compare_merged
from opmodels import MATH_CASES, MATH_MAKERS, GraphBuilder, random_inputs
from toolchain.codegen.kernel_table import select_kernel
from toolchain.model.graph import Quantization

MODELS_PER_CASE = 4
SAMPLES = 10


def _seed(op: str, dtype: str, k: int) -> int:
    return 90_000 + sorted(MATH_MAKERS).index(op) * 100 + ("int8", "int16", "int32", "float32").index(dtype) * 10 + k


@pytest.fixture(scope="module")
def outcomes():
    cases = []
    for op, dtype in MATH_CASES:
        for k in range(MODELS_PER_CASE):
            rng = np.random.default_rng(_seed(op, dtype, k))
            graph = MATH_MAKERS[op](rng, dtype)
            cases.append((f"{op}/{dtype}/{k}", graph, random_inputs(graph, SAMPLES, rng)))
    results = compare_merged(cases, per_build=24)
    return {o.label: o for o in results}


@pytest.mark.parametrize("op,dtype", MATH_CASES, ids=[f"{o}-{d}" for o, d in MATH_CASES])
def test_random_models_match_tflm(outcomes, op, dtype):
    for k in range(MODELS_PER_CASE):
        outcome = outcomes[f"{op}/{dtype}/{k}"]
        assert outcome.mismatch() is None, outcome.mismatch()
        assert all(w.size > 0 for w in outcome.want)


def test_every_case_has_a_kernel():
    for op, dtype in MATH_CASES:
        graph = MATH_MAKERS[op](np.random.default_rng(0), dtype)
        assert select_kernel(graph, graph.operators[0]) is not None, (op, dtype)


# ---------------------------------------------------------------- edge cases

ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16).reshape(1, 65536)


def _q(scale: float, zero_point: int = 0) -> Quantization:
    return Quantization(scale=(float(np.float32(scale)),), zero_point=(zero_point,))


def _unary(op: str, dtype: str, in_q, out_q, n: int, options=None):
    b = GraphBuilder()
    x = b.tensor((n,), dtype, in_q)
    y = b.tensor((n,), dtype, out_q)
    b.op(op, (x,), (y,), options)
    return b.graph((x,), (y,))


def _int16_table_cases():
    """Every int16 input through LOGISTIC and TANH at power-of-two input scales (TFLM's shortcut
    at 2^-12, and 2^-11 for TANH) and at general scales (the multiplier path, saturating ones too)."""
    cases = []
    for scale in (2.0 ** -12, 2.0 ** -11, 2.0 ** -10, 2.0 ** -15, 1e-4, 3.7e-4, 1.3e-3, 0.01):
        for op in ("LOGISTIC", "TANH"):
            graph = _unary(op, "int16", _q(scale), _q(2.0 ** -15), ALL_INT16.size)
            cases.append((f"{op}-int16/scale{scale:.3g}", graph, [ALL_INT16]))
    return cases


def _l2_normalization_cases():
    """Rows all at the zero point (a zero sum), single values, and rows long enough (10000 values
    at the extremes) for TFLM's normalisation loop to divide the sum by 4; float zero rows (the
    1e-6 floor), inf and NaN."""
    rng = np.random.default_rng(37)
    cases = []
    for zp in (-128, 0, 127):
        for depth in (1, 3, 50, 10000):
            inputs = rng.integers(-128, 128, size=(4, 2, depth)).astype(np.int8)
            inputs[0] = zp
            inputs[1] = -128 if zp > 0 else 127
            inputs[2, :, 1:] = zp
            b = GraphBuilder()
            x = b.tensor((2, depth), "int8", _q(0.05, zp))
            y = b.tensor((2, depth), "int8", _q(1 / 128, 0))
            b.op("L2_NORMALIZATION", (x,), (y,))
            cases.append((f"L2_NORMALIZATION/zp{zp}/depth{depth}", b.graph((x,), (y,)), [inputs]))
    rows = np.array([[[0.0, 0.0, 0.0], [1e-7, 0.0, -1e-7], [np.inf, 1.0, 0.0], [np.nan, 1.0, 2.0], [3e20, 4e20, 0.0]]],
                    dtype=np.float32)
    b = GraphBuilder()
    x, y = b.tensor((5, 3), "float32"), b.tensor((5, 3), "float32")
    b.op("L2_NORMALIZATION", (x,), (y,))
    cases.append(("L2_NORMALIZATION/float-specials", b.graph((x,), (y,)), [rows]))
    return cases


def _rsqrt_int16_cases():
    """Every non-negative int16 input (TFLM stops on negative ones) at input/output scale pairs
    from saturating to fine."""
    every = np.arange(0, 32768, dtype=np.int16).reshape(1, 32768)
    return [(f"RSQRT-int16/{si}->{so}", _unary("RSQRT", "int16", _q(si), _q(so), 32768), [every])
            for si, so in ((1e-3, 1e-3), (1e-4, 3e-3), (5e-3, 2e-4), (3e-5, 0.05))]


def _dequantize_uint8_cases():
    """Every uint8 value (older converters' asymmetric inputs) at extreme zero points and scales."""
    every = np.arange(256, dtype=np.uint8).reshape(1, 256)
    return [(f"DEQUANTIZE-uint8/{scale}/zp{zp}", _dequantize("uint8", _q(scale, zp)), [every])
            for scale in (1e-3, 0.0235, 0.5, 3.0) for zp in (0, 128, 255)]


def _dequantize(dtype: str, quant):
    b = GraphBuilder()
    x = b.tensor((256,), dtype, quant)
    y = b.tensor((256,), "float32")
    b.op("DEQUANTIZE", (x,), (y,))
    return b.graph((x,), (y,))


def _int8_table_cases():
    """Every int8 input through the table-built operators, scale ratios far from one, extreme
    zero points."""
    cases = []
    for in_scale, out_scale in ((0.5, 0.01), (0.01, 0.5), (0.05, 0.05), (0.3, 0.007), (0.02, 0.1)):
        for in_zp, out_zp in ((-128, 127), (127, -128), (0, 0), (-5, 100)):
            label = f"{in_scale}->{out_scale}/zp{in_zp}->{out_zp}"
            iq, oq = _q(in_scale, in_zp), _q(out_scale, out_zp)
            cases.append((f"ELU/{label}", _unary("ELU", "int8", iq, oq, 256), [ALL_INT8]))
            cases.append((f"ABS/{label}", _unary("ABS", "int8", iq, oq, 256), [ALL_INT8]))
            cases.append((f"ABS-same/{label}", _unary("ABS", "int8", iq, iq, 256), [ALL_INT8]))
            rsqrt_in = _q(in_scale, -128)  # every input at or above the zero point (TFLM stops below)
            cases.append((f"RSQRT/{label}", _unary("RSQRT", "int8", rsqrt_in, oq, 256), [ALL_INT8]))
    return cases


FLOAT_SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3e38, -3e38, 88.7, -88.7, -103.0,
                           2.5, -2.5, -3.0, 0.5, -0.5, 1.0, -1e-7, 1e-30, 1.5, -1.5], dtype=np.float32).reshape(1, -1)


def _float_cases():
    """Infinities, NaN, signed zeros, subnormals and rounding halves through the float kernels;
    MAXIMUM/MINIMUM against NaN and -inf on either side; PRELU and SUB with specials."""
    n = FLOAT_SPECIALS.size
    cases = [(f"{op}/float-specials", _unary(op, "float32", None, None, n), [FLOAT_SPECIALS])
             for op in ("ELU", "ABS", "RSQRT", "NEG", "SQRT", "EXP", "LOG", "FLOOR")]
    scalars = np.array([[0.0], [np.nan], [-np.inf], [np.inf], [-2.5]], dtype=np.float32)
    rows = np.repeat(FLOAT_SPECIALS, len(scalars), axis=0)
    for op in ("MAXIMUM", "MINIMUM", "SUB", "PRELU"):
        for scalar_first in (False, True):
            b = GraphBuilder()
            x1 = b.tensor((1,) if scalar_first else (n,), "float32")
            x2 = b.tensor((n,) if scalar_first else (1,), "float32")
            y = b.tensor((n,), "float32")
            b.op(op, (x1, x2), (y,), {"fused_activation_function": "RELU6"} if op == "SUB" else None)
            inputs = [scalars, rows] if scalar_first else [rows, scalars]
            cases.append((f"{op}/float-specials/scalar-first={scalar_first}", b.graph((x1, x2), (y,)), inputs))
    return cases


def _int16_binary_cases():
    """Every int16 value against broadcast scalars: SUB (the 15-bit headroom and the subtraction
    of rescaled values), ABS at -32768, PRELU's negative branch."""
    rng = np.random.default_rng(17)
    scalars = np.array([[-32768], [-1], [0], [1], [32767], [int(rng.integers(-32768, 32768))]], dtype=np.int16)
    rows = np.repeat(ALL_INT16, len(scalars), axis=0)
    cases = []
    for s1, s2, so in ((3e-4, 3e-4 / 300, 3e-4 * 1.37), (1e-3, 2e-3, 5e-4), (2e-4, 1e-4, 4e-3)):
        b = GraphBuilder()
        x1, x2 = b.tensor((65536,), "int16", _q(s1)), b.tensor((1,), "int16", _q(s2))
        y = b.tensor((65536,), "int16", _q(so))
        b.op("SUB", (x1, x2), (y,), {"fused_activation_function": "NONE"})
        cases.append((f"SUB-int16/{s1}-{s2}->{so}", b.graph((x1, x2), (y,)), [rows, scalars]))
    for in_s, out_s in ((1e-3, 1e-3), (1e-3, 3e-4), (2e-4, 1e-3)):
        cases.append((f"ABS-int16/{in_s}->{out_s}", _unary("ABS", "int16", _q(in_s), _q(out_s), 65536), [ALL_INT16]))
    b = GraphBuilder()
    x = b.tensor((65536,), "int16", _q(5e-4))
    alpha = b.tensor((1,), "int8", _q(0.01, -20))
    y = b.tensor((65536,), "int16", _q(2e-4))
    b.op("PRELU", (x, alpha), (y,))
    cases.append(("PRELU-int16/every-value", b.graph((x, alpha), (y,)),
                  [rows, np.array([[-128], [-20], [0], [5], [127], [60]], dtype=np.int8)]))
    return cases


def _reduce(op: str, dtype: str, shape, axes, in_q, out_q, keep_dims: bool = True):
    b = GraphBuilder()
    x = b.tensor(shape, dtype, in_q)
    a = b.tensor((len(axes),), "int32", data=np.asarray(axes, dtype=np.int32))
    out_shape = [1 if i in axes else d for i, d in enumerate(shape)] if keep_dims else \
        [d for i, d in enumerate(shape) if i not in axes]
    y = b.tensor(out_shape, dtype, out_q)
    b.op(op, (x, a), (y,), {"keep_dims": keep_dims})
    return b.graph((x,), (y,))


def _reduce_cases():
    """SUM int8/int16 with output scales that keep most sums inside the range (TFLM's float
    rescale and its rounding visible, extremes clamping); REDUCE_MAX/MIN float rows of -inf, +inf
    and NaN (TFLM starts from -FLT_MAX / FLT_MAX and its comparison skips NaN)."""
    rng = np.random.default_rng(23)
    cases = []
    for dtype, scale, zps in (("int8", 0.02, (-128, 0, 37, 127)), ("int16", 3e-4, (0,))):
        info = np.iinfo(dtype)
        for shape, axes in (((4, 64), (1,)), ((2, 3, 5, 7), (0, 2)), ((1, 9, 9, 3), (1, 2))):
            count = int(np.prod([shape[a] for a in axes]))
            for zp in zps:
                for spread in (0.3, 1.0, 3.0):
                    out_q = _q(scale * spread * count ** 0.5, zp if dtype == "int8" else 0)
                    inputs = rng.integers(info.min, info.max + 1, size=(4, *shape)).astype(dtype)
                    inputs[0], inputs[1] = info.min, info.max
                    cases.append((f"SUM-{dtype}/{shape}/{axes}/zp{zp}/x{spread}",
                                  _reduce("SUM", dtype, shape, axes, _q(scale, zp), out_q), [inputs]))
    rows = np.array([[-np.inf] * 4, [np.nan, -np.inf, np.nan, 1.0], [np.inf] * 4, [np.nan] * 4,
                     [-3e38, np.nan, 2.0, -0.0]], dtype=np.float32)
    for op in ("REDUCE_MAX", "REDUCE_MIN", "SUM"):
        cases.append((f"{op}/float-specials", _reduce(op, "float32", (5, 4), (1,), None, None, False), [rows[None]]))
    return cases


def _log_softmax_cases():
    """Input scales from 1e-3 to 2 (diff_min and the reverse scaling both bite), rows up to 1000
    long (large sums), constant rows, one hot rows; float rows with inf and NaN."""
    rng = np.random.default_rng(29)
    cases = []
    for scale in (1e-3, 0.01, 0.05, 0.1, 0.3, 1.0, 2.0):
        for depth in (1, 7, 64, 1000):
            inputs = rng.integers(-128, 128, size=(5, 3, depth)).astype(np.int8)
            inputs[0] = -128
            inputs[1] = 127
            inputs[2, :, :] = -128
            inputs[2, :, 0] = 127
            b = GraphBuilder()
            x = b.tensor((3, depth), "int8", _q(scale, int(rng.integers(-128, 128))))
            y = b.tensor((3, depth), "int8", _q(16 / 256, 127))
            b.op("LOG_SOFTMAX", (x,), (y,))
            cases.append((f"LOG_SOFTMAX/scale{scale}/depth{depth}", b.graph((x,), (y,)), [inputs]))
    rows = np.array([[[0.0, 1.0, -1.0, 2.0], [np.inf, 0.0, 1.0, 2.0], [np.nan, 0.0, 1.0, 2.0],
                      [-np.inf, -np.inf, -np.inf, -np.inf], [88.0, -88.0, 3e38, -3e38]]], dtype=np.float32)
    cases.append(("LOG_SOFTMAX/float-specials", _unary("LOG_SOFTMAX", "float32", None, None, 4), [rows[0]]))
    b = GraphBuilder()
    x, y = b.tensor((5, 4), "float32"), b.tensor((5, 4), "float32")
    b.op("LOG_SOFTMAX", (x,), (y,))
    cases.append(("LOG_SOFTMAX/float-special-rows", b.graph((x,), (y,)), [rows]))
    return cases


def _arg_cases():
    """Ties (the first extreme wins), NaN first or later, infinities, all-equal int8 rows."""
    rows = np.array([[[np.nan, 1.0, 2.0, 2.0], [1.0, np.nan, 2.0, -1.0], [2.0, 2.0, 1.0, 2.0],
                      [-np.inf, -np.inf, np.inf, np.inf], [-0.0, 0.0, -0.0, 0.0]]], dtype=np.float32)
    int_rows = np.array([[[5, 5, 5, 5], [-128, 127, 127, -128], [0, -1, 0, -1], [127, 127, -128, -128],
                          [3, 2, 1, 0]]], dtype=np.int8)
    cases = []
    for op in ("ARG_MAX", "ARG_MIN"):
        for dtype, data, quant in (("float32", rows, None), ("int8", int_rows, _q(0.1, 3))):
            for axis in (1, 0):
                b = GraphBuilder()
                x = b.tensor((5, 4), dtype, quant)
                a = b.tensor((1,), "int32", data=np.array([axis], dtype=np.int32))
                y = b.tensor((5,) if axis == 1 else (4,), "int32")
                b.op(op, (x, a), (y,), {"output_type": 2})
                cases.append((f"{op}/{dtype}/axis{axis}", b.graph((x,), (y,)), [data]))
    return cases


def _squared_difference_cases():
    """Every int8 / int16 value against broadcast scalars, output scales so most squares land
    inside the range (and the largest saturate)."""
    cases = []
    scalars8 = np.array([[-128], [-7], [0], [64], [127]], dtype=np.int8)
    for s1, s2, z1, z2, zo in ((0.05, 0.05, 0, 0, -128), (0.1, 0.02, -128, 127, -100), (0.01, 0.3, 17, -5, 0)):
        out_scale = (max(s1, s2) * 128) ** 2 / 300
        b = GraphBuilder()
        x1, x2 = b.tensor((256,), "int8", _q(s1, z1)), b.tensor((1,), "int8", _q(s2, z2))
        y = b.tensor((256,), "int8", _q(out_scale, zo))
        b.op("SQUARED_DIFFERENCE", (x1, x2), (y,))
        cases.append((f"SQUARED_DIFFERENCE-int8/{s1},{s2}", b.graph((x1, x2), (y,)),
                      [np.repeat(ALL_INT8, len(scalars8), axis=0), scalars8]))
    scalars16 = np.array([[-32768], [-300], [0], [32767]], dtype=np.int16)
    for s1, s2 in ((1e-3, 1e-3), (2e-4, 7e-4)):
        b = GraphBuilder()
        x1, x2 = b.tensor((65536,), "int16", _q(s1)), b.tensor((1,), "int16", _q(s2))
        y = b.tensor((65536,), "int16", _q((max(s1, s2) * 32768) ** 2 / 40000))
        b.op("SQUARED_DIFFERENCE", (x1, x2), (y,))
        cases.append((f"SQUARED_DIFFERENCE-int16/{s1},{s2}", b.graph((x1, x2), (y,)),
                      [np.repeat(ALL_INT16, len(scalars16), axis=0), scalars16]))
    return cases


def _div_cases():
    """Every int8 dividend against every non-zero int8 divisor (a 256 x 255 broadcast), scale
    ratios from 1/1000 to 1000 (TFLM's final shift goes past 31 bits at the small end), fused
    activations; float division by zero, inf/inf and NaN."""
    cases = []
    for s1, s2, so, z1, z2, zo, act in ((0.05, 0.05, 0.05, 0, 0, 0, "NONE"), (0.02, 0.1, 0.01, -128, 17, 5, "RELU"),
                                        (0.5, 0.01, 0.9, 127, -128, -128, "NONE"), (0.001, 1.0, 1.0, 3, -3, 0, "RELU6"),
                                        (0.3, 0.003, 0.08, -20, 100, 30, "RELU_N1_TO_1")):
        divisors = np.array([v for v in range(-128, 128) if v != z2], dtype=np.int8).reshape(1, 255)
        b = GraphBuilder()
        x1 = b.tensor((256, 1), "int8", _q(s1, z1))
        x2 = b.tensor((1, 255), "int8", _q(s2, z2), data=divisors)
        y = b.tensor((256, 255), "int8", _q(so, zo))
        b.op("DIV", (x1, x2), (y,), {"fused_activation_function": act})
        cases.append((f"DIV-int8/{s1}/{s2}->{so}/{act}", b.graph((x1,), (y,)), [ALL_INT8.reshape(1, 256, 1)]))
    b = GraphBuilder()
    n = FLOAT_SPECIALS.size
    x1, x2 = b.tensor((n, 1), "float32"), b.tensor((1, n), "float32")
    y = b.tensor((n, n), "float32")
    b.op("DIV", (x1, x2), (y,), {"fused_activation_function": "NONE"})
    cases.append(("DIV/float-specials", b.graph((x1, x2), (y,)), [FLOAT_SPECIALS.reshape(1, n, 1), FLOAT_SPECIALS.reshape(1, 1, n)]))
    return cases


# group -> (cases, models per build: 65536-value int16 models fill TFLM's 1 MiB test arena fast)
EDGE_GROUPS = {"int16_tables": (_int16_table_cases, 4), "int8_tables": (_int8_table_cases, 12),
               "float": (_float_cases, 12), "int16_binary": (_int16_binary_cases, 2), "reduce": (_reduce_cases, 12),
               "log_softmax": (_log_softmax_cases, 12), "arg": (_arg_cases, 12),
               "squared_difference": (_squared_difference_cases, 3), "div": (_div_cases, 6),
               "dequantize_uint8": (_dequantize_uint8_cases, 12), "l2_normalization": (_l2_normalization_cases, 7),
               "rsqrt_int16": (_rsqrt_int16_cases, 4)}


@pytest.mark.parametrize("group", sorted(EDGE_GROUPS))
def test_edge_cases_match_tflm(group):
    make, per_build = EDGE_GROUPS[group]
    cases = make()
    outcomes = compare_merged(cases, per_build)
    assert len(outcomes) == len(cases)
    assert_all_exact(outcomes)


def test_float_island_in_an_int8_model_matches_tflm():
    """What the converter leaves in an otherwise int8 model: DEQUANTIZE -> float32 ELU, MAXIMUM and
    MINIMUM with constants, NEG, SUB -> QUANTIZE, between int8 operators, planned in one arena."""
    rng = np.random.default_rng(31)
    b = GraphBuilder()
    x = b.tensor((1, 6, 6, 4), "int8", _q(0.05, -3))
    h = b.tensor((1, 6, 6, 4), "int8", _q(0.04, 10))
    b.op("ELU", (x,), (h,))
    f = b.tensor((1, 6, 6, 4), "float32")
    b.op("DEQUANTIZE", (h,), (f,))
    floats = [b.tensor((1, 6, 6, 4), "float32") for _ in range(5)]
    b.op("ELU", (f,), (floats[0],))
    low = b.tensor((4,), "float32", data=rng.uniform(-1, 0, 4).astype(np.float32))
    high = b.tensor((1, 1, 1, 4), "float32", data=rng.uniform(0.5, 3, 4).astype(np.float32))
    b.op("MAXIMUM", (floats[0], low), (floats[1],))
    b.op("MINIMUM", (floats[1], high), (floats[2],))
    b.op("NEG", (floats[2],), (floats[3],))
    b.op("SUB", (floats[3], f), (floats[4],), {"fused_activation_function": "NONE"})
    q = b.tensor((1, 6, 6, 4), "int8", _q(0.03, 2))
    b.op("QUANTIZE", (floats[4],), (q,))
    y = b.tensor((1, 6, 6, 4), "int8", _q(0.03, 2))
    b.op("MAXIMUM", (q, h), (y,))
    graph = b.graph((x,), (y,))
    inputs = [rng.integers(-128, 128, size=(8, 1, 6, 6, 4)).astype(np.int8)]
    outcome = compare_merged([("island", graph, inputs)])[0]
    assert outcome.mismatch() is None, outcome.mismatch()
    assert len(np.unique(outcome.want[0])) > 20
