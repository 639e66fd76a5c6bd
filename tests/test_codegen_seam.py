"""The kernel seam: a per-CPU variant replaces one operator's portable kernel through one table row
and one C file, with no change to the generator; other CPUs keep the portable file."""
from __future__ import annotations

import pytest

from toolchain.codegen import generate_c
from toolchain.codegen import kernel_table as table
from toolchain.codegen.host import HostModel
from toolchain.codegen.ops import softmax
from toolchain.codegen.verify import compare, random_inputs
from toolchain.model.reader import read_model
from toolchain.reference import reference_outputs
from toolchain.runtime import RUNTIME_DIR

MARKER = "/* test variant: softmax rows in reverse order */"


@pytest.fixture
def variant_row(tmp_path, monkeypatch):
    """A 'testcpu' SOFTMAX kernel: same function, same struct, different loop order (same bytes out)."""
    portable = (RUNTIME_DIR / "kernels" / "softmax_int8.c").read_text()
    variant = portable.replace("for (r = 0; r < p->rows; ++r) {", "for (r = p->rows - 1; r >= 0; --r) {")
    assert variant != portable
    c_file = tmp_path / "testcpu" / "softmax_int8.c"
    c_file.parent.mkdir()
    c_file.write_text(MARKER + "\n" + variant)
    portable_row = next(k for k in softmax.KERNELS if k.function == "tl_softmax_int8")
    row = table.Kernel(op="SOFTMAX", types=portable_row.types, function=portable_row.function,
                       c_file=str(c_file), header=portable_row.header, build=portable_row.build,
                       runtime=portable_row.runtime, cpu="testcpu")
    rows = table.kernel_table()
    monkeypatch.setattr(table, "kernel_table", lambda: [*rows, row])
    return row


def test_cpu_variant_replaces_only_its_operator(variant_row, kws_model):
    graph = read_model(kws_model)
    portable = generate_c(graph)
    variant = generate_c(graph, target="testcpu")
    assert variant.files["softmax_int8.c"].startswith(MARKER)
    assert not portable.files["softmax_int8.c"].startswith(MARKER)
    assert variant.kernels[12] is variant_row and portable.kernels[12] is not variant_row
    assert {n: t for n, t in variant.files.items() if n != "softmax_int8.c"} == \
        {n: t for n, t in portable.files.items() if n != "softmax_int8.c"}
    assert generate_c(graph, target="cortex-m33").files == portable.files  # no rows for it: portable C


def test_cpu_variant_runs_bit_exact(variant_row, kws_model):
    graph = read_model(kws_model)
    inputs = random_inputs(graph, 20, seed=5)
    report = compare(graph, HostModel(graph, cpu="testcpu").run(inputs), reference_outputs(kws_model, inputs), 5)
    assert report.ok and report.samples == 20


def test_cpu_variant_that_declines_an_operator_leaves_the_portable_kernel(variant_row, kws_model, monkeypatch):
    graph = read_model(kws_model)
    declining = table.Kernel(**{**variant_row.__dict__, "accepts": lambda g, op: op.index != 12})
    rows = [declining if k is variant_row else k for k in table.kernel_table()]
    monkeypatch.setattr(table, "kernel_table", lambda: rows)
    assert table.select_kernel(graph, graph.operators[12], "testcpu").cpu is None
    assert generate_c(graph, target="testcpu").files == generate_c(graph).files
