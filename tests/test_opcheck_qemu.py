"""Per-operator bit-exactness on the emulated target CPU: every shared model, on every CPU with
optimized kernels, runs its generated C (with that CPU's kernels) on QEMU and every operator's
output tensor equals TFLM's (kPreserveAllTensors) over inputs that start with the int8 extremes."""
from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import SHARED_MODELS
from toolchain.boards import load_board
from toolchain.codegen import kernel_table as table
from toolchain.codegen.ops import conv_2d
from toolchain.emulators.opcheck import check_inputs, check_on_target
from toolchain.model.reader import read_model
from toolchain.runtime import RUNTIME_DIR

pytestmark = pytest.mark.qemu

# One QEMU board per CPU that has (or is getting) its own kernels under toolchain/runtime/kernels/<cpu>/.
OPTIMIZED_CPU_BOARDS = ("qemu_mps2_an386", "qemu_mps2_an500", "qemu_mps3_an547")
SAMPLES = 12


@pytest.mark.parametrize("board", OPTIMIZED_CPU_BOARDS)
@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_every_operator_is_bit_exact_on_the_emulated_cpu(board, model):
    report = check_on_target(model, board, samples=SAMPLES)
    graph = read_model(model)
    assert report.cpu == load_board(board).cpu.core
    assert report.tensors_compared == SAMPLES * sum(len(op.outputs) for op in graph.operators)
    assert report.ok, report.summary()


def test_inputs_start_with_the_extremes(kws_model):
    graph = read_model(kws_model)
    (batch,) = check_inputs(graph, 5, seed=3)
    assert (batch[0] == -128).all() and (batch[1] == 127).all()
    assert set(np.unique(batch[2])) == {-128, 127} and batch[2].reshape(-1)[:2].tolist() == [-128, 127]
    assert len(np.unique(batch[3])) > 200  # then random over the whole range


def test_a_wrong_kernel_on_the_target_is_named(tmp_path, monkeypatch, kws_model):
    """A cortex-m4 CONV_2D variant that rounds one output channel differently: the check names the
    first convolution (operator 0) even though the final output may hide the difference."""
    portable = (RUNTIME_DIR / "kernels" / "conv_2d_int8.c").read_text()
    # every requantization of output channel 3 comes out one higher
    wrong = portable.replace("tl_multiply_by_quantized_multiplier(", "(oc + j == 3) + tl_multiply_by_quantized_multiplier(")
    assert wrong.count("(oc + j == 3)") == 2
    c_file = tmp_path / "cortex-m4" / "conv_2d_int8.c"
    c_file.parent.mkdir()
    c_file.write_text(wrong)
    row = next(k for k in conv_2d.KERNELS if k.function == "tl_conv_2d_int8")
    variant = table.Kernel(op=row.op, types=row.types, function=row.function, c_file=str(c_file),
                           header=row.header, build=row.build, runtime=row.runtime, cpu="cortex-m4")
    rows = table.kernel_table()
    monkeypatch.setattr(table, "kernel_table", lambda: [variant, *rows])
    report = check_on_target(kws_model, "qemu_mps2_an386", samples=3)
    assert not report.ok
    first = report.mismatches[0]
    assert (first.operator, first.op, first.sample) == (0, "CONV_2D", 0)
    # the variant on the convolutions, DSP depthwise, average pool (9) and fully connected (11)
    assert report.cpu_kernel_operators == [*range(10), 11]
