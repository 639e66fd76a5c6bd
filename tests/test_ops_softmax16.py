"""SOFTMAX with int16 output: int8 -> int16 (TFLM's int8 fixed-point path rounded to 16 bits) and
int16 -> int16 (TFLM's interpolated exp and 1/(1+x) tables). Seeded random single-operator models,
every output byte equal to TFLM's, plain and under ASan + UBSan; outputs TFLM refuses are refused."""
from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np
import pytest

from opcheck import compare
from opmodels import GraphBuilder, _random_shape, merge_graphs
from toolchain.codegen import generate_c, unsupported_ops
from toolchain.codegen.ops._int16_lut import int16_lut, softmax_exp_table
from toolchain.errors import ModelError, UnsupportedError
from toolchain.model.graph import Quantization
from toolchain.model.writer import serialize_model
from toolchain.reference import reference_outputs

MODELS = 10
SAMPLES = 16
INT8_TO_INT16 = Quantization(scale=(1 / 65536,), zero_point=(-32768,))
INT16_OUT = Quantization(scale=(1 / 32768,), zero_point=(0,))


def _log_uniform(rng, lo: float, hi: float) -> float:
    return float(np.float32(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def softmax_model(rng, in_dtype: str, out_quant: Quantization, depth: int | None = None):
    """One SOFTMAX over a random shape (innermost dimension up to 40 unless given), random input
    scale and beta."""
    shape = (*_random_shape(rng, 0, 3), depth or int(rng.integers(1, 41)))
    if in_dtype == "int8":
        in_quant = Quantization(scale=(_log_uniform(rng, 0.005, 0.5),), zero_point=(int(rng.integers(-128, 128)),))
    else:  # int16: scales from "everything but the max underflows" to "differences of a few steps matter"
        in_quant = Quantization(scale=(_log_uniform(rng, 1e-5, 1e-2),), zero_point=(0,))
    b = GraphBuilder()
    x = b.tensor(shape, in_dtype, in_quant)
    y = b.tensor(shape, "int16", out_quant)
    b.op("SOFTMAX", (x,), (y,), {"beta": float(np.float32(rng.uniform(0.25, 3.0)))})
    return b.graph((x,), (y,))


def softmax_inputs(rng, graph) -> list[np.ndarray]:
    """Half the samples over the whole type range, half clustered within a few hundred steps of
    each other (so many exps are neither 0 nor 1)."""
    t = graph.input_tensors[0]
    info = np.iinfo(t.dtype)
    wide = rng.integers(info.min, info.max + 1, size=(SAMPLES // 2, *t.shape))
    spread = 30 if t.dtype == "int8" else 3000
    centre = rng.integers(info.min + spread, info.max - spread, size=(SAMPLES // 2,) + (1,) * len(t.shape))
    narrow = centre + rng.integers(-spread, spread + 1, size=(SAMPLES // 2, *t.shape))
    return [np.concatenate([wide, narrow]).astype(t.dtype)]


def merged_case(label: str, seed: int, in_dtype: str, out_quant: Quantization):
    rng = np.random.default_rng(seed)
    # the last model: long rows (sums of up to 2^25, so the reciprocal's normalisation shift varies)
    graphs = [softmax_model(rng, in_dtype, out_quant) for _ in range(MODELS - 1)]
    graphs.append(softmax_model(rng, in_dtype, out_quant, depth=1000))
    inputs = [x for g in graphs for x in softmax_inputs(rng, g)]
    return label, merge_graphs(graphs, label.replace("/", "_")), inputs


@pytest.fixture(scope="module")
def outcomes():
    cases = [merged_case("int8-int16", 8016, "int8", INT8_TO_INT16),
             merged_case("int16-int16", 1616, "int16", INT16_OUT)]
    plain = compare(cases, sanitize=lambda index, label: False)
    sanitized = compare([(f"{label}/asan", g, x) for label, g, x in cases], sanitize=lambda index, label: True)
    return {o.label: o for o in plain + sanitized}


@pytest.mark.parametrize("label", ["int8-int16", "int16-int16", "int8-int16/asan", "int16-int16/asan"])
def test_softmax_int16_output_matches_tflm(outcomes, label):
    outcome = outcomes[label]
    assert len(outcome.want) == MODELS
    assert outcome.mismatch() is None, outcome.mismatch()
    out = np.concatenate([w.ravel() for w in outcome.want])
    # the cases reach both ends of the output range and values in between
    # (int16: exp(-10), the exp table's floor, keeps every output at 1 or more in these rows)
    assert out.min() == (-32768 if label.startswith("int8") else 1)
    assert out.max() >= 32000 and len(np.unique(out)) > 1000


def test_exp_table_is_the_host_c_library_table():
    """The exp table built with correctly rounded single-precision exp equals the one the host C
    library's expf gives (what TFLM's Prepare calls)."""
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    libm.expf.restype, libm.expf.argtypes = ctypes.c_float, [ctypes.c_float]
    host = int16_lut(lambda v: np.float32(libm.expf(float(v))), -10.0, 0.0, -1.0, 1.0)
    ours = softmax_exp_table()
    assert ours.tobytes() == host.tobytes()
    assert ours[0] == 2 and ours[-1] == 32767


def _single(in_dtype: str, out_quant: Quantization, in_zero_point: int = 0):
    b = GraphBuilder()
    x = b.tensor((1, 6), in_dtype, Quantization(scale=(0.05 if in_dtype == "int8" else 1e-3,),
                                                zero_point=(in_zero_point,)))
    y = b.tensor((1, 6), "int16", out_quant)
    b.op("SOFTMAX", (x,), (y,), {"beta": 1.0})
    return b.graph((x,), (y,))


@pytest.mark.parametrize("in_dtype,in_zero_point,scale,zero_point,reason", [
    ("int8", 5, 1 / 65536 * 1.0009, -32768, None),   # within TFLM's 0.1 % tolerance
    ("int8", 0, 1 / 65536 * 1.002, -32768, "output must have scale"),
    ("int8", 0, 1 / 65536, 0, "output must have scale"),
    ("int16", 0, 1 / 32768 * 0.9991, 0, None),
    ("int16", 0, 1 / 32768 * 0.998, 0, "output must have scale"),
    ("int16", 0, 1 / 32768, -32768, "output must have scale"),
    ("int16", 3, 1 / 32768, 0, "input zero point must be 0"),
])
def test_quantization_accepted_like_tflm(in_dtype, in_zero_point, scale, zero_point, reason):
    graph = _single(in_dtype, Quantization(scale=(float(np.float32(scale)),), zero_point=(zero_point,)), in_zero_point)
    inputs = [np.zeros((1, 1, 6), dtype=in_dtype)]
    if reason is None:
        assert unsupported_ops(graph) == []
        assert reference_outputs(serialize_model(graph), inputs)[0].shape == (1, 1, 6)
        return
    problems = unsupported_ops(graph)
    assert [(p["index"], p["op"]) for p in problems] == [(0, "SOFTMAX")]
    assert reason in problems[0]["reason"]
    with pytest.raises(UnsupportedError):
        generate_c(graph)
    with pytest.raises(ModelError, match="rejected|allocate"):
        reference_outputs(serialize_model(graph), inputs)
