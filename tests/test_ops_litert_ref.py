"""Operators TFLM has no kernel for (TILE, GELU, int16 RESIZE_BILINEAR and REDUCE_MAX/MIN), checked
byte for byte against LiteRT's reference kernels (tf.lite.Interpreter with OpResolverType.BUILTIN_REF),
and `inspect` naming that reference."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.conftest import require
from opcheck import run_c
from opmodels import MATH_MAKERS, GraphBuilder, act_tensor, merge_graphs, random_inputs, resize_bilinear
from toolchain.codegen.supported import litert_referenced_ops, unsupported_ops
from toolchain.inspect import inspect_model
from toolchain.model.graph import Quantization
from toolchain.model.writer import serialize_model, write_model
from toolchain.reference import litert_reference_outputs

pytestmark = pytest.mark.tensorflow

SAMPLES = 6
ALL_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 1, 256)


@pytest.fixture(scope="module", autouse=True)
def tensorflow_installed():
    require(importlib.util.find_spec("tensorflow"),
            "LiteRT's reference kernels need TensorFlow (the train extra): pip install -e '.[train]'")


def _tile(rng: np.random.Generator, dtype: str, multiples_dtype: str):
    rank = int(rng.integers(1, 5))
    shape = tuple(int(d) for d in rng.integers(1, 5, size=rank))
    multiples = [int(m) for m in rng.integers(1, 4, size=rank)]
    b = GraphBuilder()
    x = act_tensor(b, rng, shape, dtype)
    m = b.tensor((rank,), multiples_dtype, data=multiples)
    y = b.tensor(tuple(d * k for d, k in zip(shape, multiples)), dtype, b.tensors[x].quant)
    b.op("TILE", [x, m], [y])
    return b.graph([x], [y], name=f"tile_{dtype}")


def _gelu(scale_in: float, zp_in: int, scale_out: float, zp_out: int, approximate: bool):
    b = GraphBuilder()
    x = b.tensor((1, 256), "int8", Quantization(scale=(scale_in,), zero_point=(zp_in,)))
    y = b.tensor((1, 256), "int8", Quantization(scale=(scale_out,), zero_point=(zp_out,)))
    b.op("GELU", [x], [y], {"approximate": approximate})
    return b.graph([x], [y], name="gelu")


def _assert_equal_to_litert(graph, inputs):
    want = litert_reference_outputs(serialize_model(graph), inputs)
    got = run_c(graph, inputs)
    for k, (w, g) in enumerate(zip(want, got)):
        assert w.dtype == g.dtype and w.shape == g.shape, (k, w.shape, g.shape)
        assert w.tobytes() == g.tobytes(), \
            f"output {k} ({graph.operators[k].op}) differs in {int((w != g).sum())} values"


@pytest.mark.parametrize("dtype", ["int8", "int32", "float32"])
def test_tile_matches_litert(dtype):
    rng = np.random.default_rng(1200 + ["int8", "int32", "float32"].index(dtype))
    graphs = [_tile(rng, dtype, "int32" if k % 3 else "int64") for k in range(12)]
    graph = merge_graphs(graphs, f"tiles_{dtype}")
    _assert_equal_to_litert(graph, random_inputs(graph, SAMPLES, rng))


@pytest.mark.parametrize("op", ["RESIZE_BILINEAR", "REDUCE_MAX", "REDUCE_MIN"])
def test_int16_operators_tflm_lacks_match_litert(op):
    """16x8 models hold them (a U-Net's bilinear upsampling, GlobalMaxPooling2D); TFLM takes
    float32 and int8 only."""
    rng = np.random.default_rng(1400 + ["RESIZE_BILINEAR", "REDUCE_MAX", "REDUCE_MIN"].index(op))
    make = resize_bilinear if op == "RESIZE_BILINEAR" else MATH_MAKERS[op]
    graph = merge_graphs([make(rng, "int16") for _ in range(12)], f"{op}_int16")
    assert {r["reference"] for r in litert_referenced_ops(graph)} == {"LiteRT BUILTIN_REF"}
    _assert_equal_to_litert(graph, random_inputs(graph, SAMPLES, rng))


def test_gelu_int8_table_matches_litert_for_every_input():
    rng = np.random.default_rng(1300)
    graphs = []
    for k in range(200):
        scale_in = float(np.float32(np.exp(rng.uniform(np.log(0.002), np.log(0.3)))))
        scale_out = float(np.float32(np.exp(rng.uniform(np.log(0.001), np.log(0.1)))))
        graphs.append(_gelu(scale_in, int(rng.integers(-100, 100)), scale_out, int(rng.integers(-128, -60)),
                            approximate=bool(k % 2)))
    graph = merge_graphs(graphs, "gelus")
    _assert_equal_to_litert(graph, [ALL_INT8] * len(graphs))


def test_inspect_names_the_litert_reference(tmp_path):
    graph = merge_graphs([_tile(np.random.default_rng(5), "int8", "int32"), _gelu(0.05, 3, 0.02, -120, False)])
    path = tmp_path / "tile_gelu.tflite"
    write_model(graph, path)
    report = inspect_model(path)
    assert report.unsupported_ops == []
    assert [(r["op"], r["reference"]) for r in report.litert_referenced_ops] == \
        [("TILE", "LiteRT BUILTIN_REF"), ("GELU", "LiteRT BUILTIN_REF")]
    assert report.tflm_arena_bytes is None and "TILE" in report.tflm_error


@pytest.mark.parametrize("op,dtype,why", [("GELU", "float32", "Eigen"), ("TILE", "int16", "neither TFLM nor LiteRT")])
def test_operators_without_a_reproducible_reference_are_refused_in_one_line(op, dtype, why):
    b = GraphBuilder()
    x, y = b.tensor((1, 8), dtype), b.tensor((1, 8), dtype)
    inputs = [x, b.tensor((2,), "int32", data=[1, 1])] if op == "TILE" else [x]
    b.op(op, inputs, [y], {"approximate": False} if op == "GELU" else {})
    (problem,) = unsupported_ops(b.graph([x], [y]))
    assert problem["op"] == op and why in problem["reason"] and "\n" not in problem["reason"]
    assert litert_referenced_ops(b.graph([x], [y])) == []
