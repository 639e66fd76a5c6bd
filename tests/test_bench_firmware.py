"""bench/bench_firmware.py measures our firmware and TFLM + CMSIS-NN on the same input and tables them.

The figures themselves are the bench's business; this checks its plumbing on the smallest model:
both builds run, the harness output is parsed into exact figures, and the table carries them."""
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from toolchain.boards import load_board
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_firmware", ROOT / "bench" / "bench_firmware.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_firmware"] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def tflm_harness() -> Path:
    missing = [what for what, ok in (
        (f"TFLM harness at {bench.TFLM_DIR} (TINYLARGE_SHARED_TFLM)", (bench.TFLM_DIR / "harness").is_dir()),
        ("qemu-system-arm", shutil.which("qemu-system-arm")),
        ("arm-none-eabi-g++", shutil.which("arm-none-eabi-g++"))) if not ok]
    require(not missing, "missing: " + ", ".join(missing))
    return bench.TFLM_DIR


def test_hello_world_side_by_side_on_m4(tflm_harness, models_dir, tmp_path):
    row = bench.measure(models_dir / "hello_world_int8.tflite", load_board("qemu_mps2_an386"), tmp_path)
    assert (row.ours_selftest, row.tflm_output_equal) == ("PASS", True)
    # TFLM + CMSIS-NN on hello_world: 88 SysTick ticks of 40 instructions (../shared/tflm/PROVENANCE.md)
    assert row.tflm.instructions == 3520
    assert row.ours.instructions > 0 and row.ours.instructions % 40 == 0
    # TFLM's flash holds the model flatbuffer plus the interpreter
    assert row.tflm.flash > (models_dir / "hello_world_int8.tflite").stat().st_size
    table = bench.markdown_table([row]).splitlines()
    assert len(table) == 3
    assert table[2].startswith(f"| hello_world_int8 | cortex-m4 (mps2-an386) | {row.ours.instructions:,} | 3,520 | "
                               f"{row.ours.instructions / 3520:.2f}x | {row.ours.flash:,} | {row.tflm.flash:,} |")
    assert table[2].endswith("| yes |")


def test_harness_output_parsing_and_errors():
    values, outputs = bench.parse_harness("model m\narena_size 262144\narena_used_bytes 676\nticks 68\n"
                                          "instructions 2125\noutput0 int8 1 e8\noutput1 int8 2 0102\ndone\n")
    assert values == {"arena_size": 262144, "arena_used_bytes": 676, "ticks": 68, "instructions": 2125}
    assert outputs == bytes([0xE8, 0x01, 0x02])
    with pytest.raises(bench.BenchError, match="did not finish"):
        bench.parse_harness("model m\ninstructions 5\n")
    with pytest.raises(bench.BenchError, match="qemu_netduinoplus2 .* has no TFLM harness build"):
        bench.harness_cpu(load_board("qemu_netduinoplus2"))
