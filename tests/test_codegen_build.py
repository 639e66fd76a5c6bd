"""Generated C: strict compiles (host, Cortex-M4, RV32), clean ASan+UBSan runs, byte-identical
regeneration, unsupported operators reported before any file is written, arena <= TFLM, no heap."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from toolchain.cli import main
from toolchain.codegen import generate_c, unsupported_ops, write_sources
from toolchain.codegen.host import HostModel
from toolchain.codegen.verify import random_inputs
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Quantization, Tensor
from toolchain.model.reader import read_model
from toolchain.model.writer import write_model
from toolchain.reference import tflm_arena_bytes
from toolchain.runtime import RUNTIME_DIR
from tests.conftest import require

MODELS = ["hello_world_float", "hello_world_int8", "kws_ref_model", "micro_speech_quantized",
          "pretrainedResnet_quant"]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
CROSS = {
    "arm-none-eabi-gcc": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os"],
    "riscv64-unknown-elf-gcc": ["-march=rv32imc_zicsr", "-mabi=ilp32", "--specs=picolibc.specs", "-Os"],
}


@pytest.fixture(scope="module")
def generated(models_dir, tmp_path_factory):
    """Each shared model's C, written once for the whole module."""
    out = {}
    for name in MODELS:
        graph = read_model(models_dir / f"{name}.tflite")
        sources = generate_c(graph)
        directory = tmp_path_factory.mktemp(name)
        write_sources(sources, directory)
        out[name] = (graph, sources, directory)
    return out


@pytest.mark.parametrize("compiler", ["gcc", *CROSS])
def test_generated_c_compiles_strictly(generated, compiler):
    require(shutil.which(compiler), f"{compiler} not installed (scripts/setup.sh)")
    for name, (_, sources, directory) in generated.items():
        for c_file in sources.c_files():
            result = subprocess.run([compiler, *STRICT, *CROSS.get(compiler, ["-O2"]), "-c", c_file,
                                     "-o", f"{c_file}.{compiler}.o"], cwd=directory, capture_output=True, text=True)
            assert result.returncode == 0, f"{name}/{c_file}: {result.stderr}"


@pytest.mark.parametrize("name", MODELS)
def test_sanitized_run_is_clean_and_equal(generated, name):
    graph = generated[name][0]
    inputs = random_inputs(graph, 20, seed=7)
    sanitized = HostModel(graph, sanitize=True).run(inputs)
    plain = HostModel(graph).run(inputs)
    for a, b in zip(sanitized, plain):
        assert a.tobytes() == b.tobytes()


def test_regeneration_is_byte_identical(models_dir, tmp_path):
    runner = CliRunner()
    model = str(models_dir / "kws_ref_model.tflite")
    for out in ("a", "b"):
        result = runner.invoke(main, ["codegen", model, "-o", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert {"tl_model.h", "tl_model.c", "tl_weights.c", "tl_runtime.h"} <= set(names)
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n
    again = generate_c(read_model(model))
    assert {n: t.encode() for n, t in again.files.items()} == {n: (tmp_path / "a" / n).read_bytes() for n in names}


def test_header_api(generated):
    graph, sources, _ = generated["kws_ref_model"]
    header = sources.files["tl_model.h"]
    assert '#define TL_MODEL_NAME "kws_ref_model"' in header
    assert f'#define TL_MODEL_HASH "{graph.sha256[:16]}"' in header
    assert f"#define TL_MODEL_ARENA_BYTES {sources.arena_bytes}\n" in header
    for decl in ("void *tl_model_input(int index);", "void *tl_model_output(int index);",
                 "int tl_model_invoke(void);", "extern const tl_io_info tl_model_inputs[TL_MODEL_NUM_INPUTS];"):
        assert decl in header
    assert "static uint8_t tl_arena[TL_MODEL_ARENA_BYTES] TL_ALIGNED(16);" in sources.files["tl_model.c"]
    assert '#define TL_RUNTIME_VERSION "0.1.0"' in sources.files["tl_runtime.h"]
    # One kernel call per operator except the reshape the planner aliased.
    body = sources.files["tl_model.c"].split("int tl_model_invoke(void) {")[1]
    assert len(re.findall(r"^\s+tl_\w+\(&tl_op\d+_params", body, re.M)) == len(graph.operators) - 1


def _unsupported_graph() -> Graph:
    """int8 input -> FLOOR_MOD (no kernel) -> FULLY_CONNECTED (supported)."""
    q = Quantization(scale=(0.05,), zero_point=(3,))
    tensors = [Tensor(0, "x", (1, 4), "int8", q), Tensor(1, "d", (1, 4), "int8", q),
               Tensor(2, "w", (2, 4), "int8", Quantization((0.01,), (0,)), data=np.ones((2, 4), np.int8)),
               Tensor(3, "y", (1, 2), "int8", q)]
    ops = [Operator(0, "FLOOR_MOD", (0, 0), (1,)),
           Operator(1, "FULLY_CONNECTED", (1, 2, -1), (3,), {"fused_activation_function": "NONE"})]
    return Graph(tensors=tensors, operators=ops, inputs=(0,), outputs=(3,), name="unsupported")


def test_unsupported_operator_reported_before_any_file(tmp_path):
    graph = _unsupported_graph()
    assert unsupported_ops(graph) == [{"index": 0, "op": "FLOOR_MOD", "types": "int8,int8->int8",
                                       "reason": "no kernel for these types"}]
    with pytest.raises(UnsupportedError, match="operator 0 FLOOR_MOD"):
        generate_c(graph)
    model = tmp_path / "unsupported.tflite"
    write_model(graph, model)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["codegen", str(model), "-o", str(out)])
    assert result.exit_code == 2
    assert "FLOOR_MOD" in result.output and "int8,int8->int8" in result.output
    assert not out.exists()


def test_arena_never_larger_than_tflm(generated, models_dir):
    for name, (_, sources, _) in generated.items():
        tflm = tflm_arena_bytes(models_dir / f"{name}.tflite")
        assert 0 < sources.arena_bytes <= tflm, (name, sources.arena_bytes, tflm)


def _code(text: str) -> str:
    """C text without comments (prose may say "free (")."""
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def test_no_heap_and_const_weights(generated):
    heap = re.compile(r"\b(malloc|calloc|realloc|free|alloca)\s*\(")
    runtime_files = [p for p in RUNTIME_DIR.rglob("*") if p.suffix in (".c", ".h")]
    assert runtime_files
    assert heap.search(_code("int *p = malloc (4);"))  # the check itself can fire
    for path in runtime_files:
        assert not heap.search(_code(path.read_text())), path
    for name, (_, sources, _) in generated.items():
        for file_name, text in sources.files.items():
            assert not heap.search(_code(text)), (name, file_name)
        weights = sources.files["tl_weights.c"]
        definitions = re.findall(r"^(.*?)\btl_(?:tensor|op)\w*\[\d+\]", weights, re.M)
        assert definitions and all(d.startswith("const ") for d in definitions), name
