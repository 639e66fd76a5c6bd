"""The Keras model zoo (tests/zoo.py) end to end: every model variant the TFLM interpreter runs is
bit-exact with it on the host and, operator by operator, on the emulated Cortex-M4 (mps2-an386);
the arena the generated C declares is the figure `tinylarge inspect` predicts; the variants we
cannot run are refused with one line naming the operator and why."""
from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import require
from opcheck import Outcome, assert_all_exact, compare, run_c
from opmodels import merge_graphs
from toolchain.codegen.generator import generate_c
from toolchain.codegen.supported import litert_referenced_ops, unsupported_ops
from toolchain.codegen.verify import random_inputs
from toolchain.emulators.opcheck import check_on_target
from toolchain.inspect import inspect_model
from toolchain.model.reader import read_model
from toolchain.model.writer import write_model
from toolchain.reference import mixed_reference_outputs
from zoo import build_zoo

pytestmark = pytest.mark.tensorflow

HOST_SAMPLES = 4
M4_SAMPLES = 4  # the three saturating extremes, then one seeded random input
# (variant, operator) -> why it is refused: neither TFLM nor LiteRT's reference kernels run it
REFUSED: dict[tuple[str, str], str] = {
    ("conv_autoencoder/int16", "TILE"): "neither TFLM nor LiteRT",
}


@pytest.fixture(scope="session")
def zoo_models(tmp_path_factory):
    """Every zoo variant built and converted once per session: {label: (path, graph)}."""
    require(importlib.util.find_spec("tensorflow"), "TensorFlow (the train extra): pip install -e '.[train]'")
    builds = build_zoo(tmp_path_factory.mktemp("zoo"))
    return {b.label: (b.path, read_model(b.path)) for b in builds}


def _runnable(zoo_models, litert: bool | None = None) -> dict:
    """The variants we run; with `litert` only those whose reference is (True) or is not (False)
    LiteRT's reference kernels (they hold an operator TFLM has no kernel for)."""
    return {label: entry for label, entry in zoo_models.items()
            if not any((label, p["op"]) in REFUSED for p in unsupported_ops(entry[1]))
            and (litert is None or bool(litert_referenced_ops(entry[1])) == litert)}


def test_refused_variants_name_the_operator_and_why(zoo_models):
    refused = {(label, p["op"]): p["reason"] for label, (_, graph) in zoo_models.items()
               for p in unsupported_ops(graph)}
    assert set(refused) == set(REFUSED), refused
    for key, reason in refused.items():
        assert REFUSED[key] in reason and "\n" not in reason


def test_zoo_is_bit_exact_with_tflm_on_the_host(zoo_models):
    cases = [(label, graph, random_inputs(graph, HOST_SAMPLES, seed=31))
             for label, (_, graph) in _runnable(zoo_models, litert=False).items()]
    assert_all_exact(compare(cases, sanitize=lambda index, label: label == "conv1d_time_series/int8"))


def test_zoo_with_operators_tflm_lacks_is_bit_exact_on_the_host(zoo_models):
    """Those operators (TILE, GELU, int16 RESIZE_BILINEAR and REDUCE_MAX) against LiteRT's reference
    kernels, every other one against TFLM, each fed the references' results before it."""
    outcomes = []
    for label, (path, graph) in _runnable(zoo_models, litert=True).items():
        inputs = random_inputs(graph, HOST_SAMPLES, seed=31)
        litert = {r["index"] for r in litert_referenced_ops(graph)}
        outcomes.append(Outcome(label, graph, mixed_reference_outputs(path, inputs, litert), run_c(graph, inputs)))
    assert {o.label for o in outcomes} == {"conv_autoencoder/int8", "transformer_block/int8", "small_unet/int16",
                                           "separable_net/int16"}
    assert_all_exact(outcomes)


def test_zoo_arena_is_the_figure_inspect_predicts(zoo_models):
    for label, (path, graph) in _runnable(zoo_models).items():
        predicted = inspect_model(path).arena_bytes
        assert generate_c(graph).plan.arena_bytes == predicted, label
        assert generate_c(graph, target="cortex-m4").plan.arena_bytes <= predicted, label


@pytest.mark.qemu
@pytest.mark.parametrize("litert", [False, True], ids=["tflm", "litert"])
def test_zoo_is_bit_exact_on_cortex_m4(zoo_models, tmp_path, litert):
    """Every operator output of every runnable variant (all in one firmware per reference) equal to
    the reference's on QEMU mps2-an386."""
    graphs = [graph for _, graph in _runnable(zoo_models, litert).values()]
    path = tmp_path / "zoo_m4.tflite"
    write_model(merge_graphs(graphs, "zoo_m4"), path)
    report = check_on_target(path, "qemu_mps2_an386", samples=M4_SAMPLES)
    assert report.cpu == "cortex-m4"
    assert report.tensors_compared == M4_SAMPLES * sum(len(op.outputs) for g in graphs for op in g.operators)
    assert report.ok, report.summary()
