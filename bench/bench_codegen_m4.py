"""Instructions per inference of the generated C on QEMU mps2-an386 (Cortex-M4F), per operator.

Under `-icount shift=0` SysTick ticks once per 40 instructions, so the counts are exact to 40 and
repeat run to run. Figures only, never pass/fail. For scale (same machine, from the issue): TFLM with
reference kernels kws 43.0 M, ResNet-8 107.3 M; TFLM with CMSIS-NN kws 7.70 M, ResNet-8 29.9 M.
usage: python bench/bench_codegen_m4.py [MODEL.tflite ...] [--per-op] [--cpu CPU]
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from toolchain.codegen import generate_c, write_sources
from toolchain.model.analysis import operator_macs
from toolchain.model.reader import read_model

HERE = Path(__file__).resolve().parent
DEFAULT_MODELS = HERE.parents[1] / "shared" / "models"
INSTRUCTIONS_PER_TICK = 40
CFLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-std=c99", "-Os",
          "-DTL_PROFILE"]
LDFLAGS = ["-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-T", str(HERE / "qemu_m4" / "link.ld")]


def run_model(model: Path, cpu: str | None) -> tuple[dict[int, int], int]:
    graph = read_model(model)
    sources = generate_c(graph, target=cpu)
    with tempfile.TemporaryDirectory() as tmp:
        write_sources(sources, tmp)
        elf = Path(tmp) / "bench.elf"
        c_files = [str(Path(tmp) / n) for n in sources.c_files()] + [str(HERE / "qemu_m4" / "harness.c")]
        subprocess.run(["arm-none-eabi-gcc", *CFLAGS, "-I", tmp, *LDFLAGS, "-o", str(elf), *c_files, "-lm"],
                       check=True)
        out = subprocess.run(["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
                              "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
                              "-kernel", str(elf)], capture_output=True, text=True, timeout=600, check=True)
    per_op, total = {}, 0
    for line in (out.stdout + out.stderr).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "op":
            per_op[int(parts[1])] = int(parts[2]) * INSTRUCTIONS_PER_TICK
        elif len(parts) == 2 and parts[0] == "total":
            total = int(parts[1]) * INSTRUCTIONS_PER_TICK
    return per_op, total


def main(argv: list[str]) -> None:
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None:
        print("needs arm-none-eabi-gcc and qemu-system-arm")
        return
    per_op_wanted = "--per-op" in argv
    cpu = argv[argv.index("--cpu") + 1] if "--cpu" in argv else None
    models = [Path(a) for a in argv if a.endswith(".tflite")] or sorted(DEFAULT_MODELS.glob("*.tflite"))
    print(f"{'model':<26}{'MACs':>12}{'instructions':>14}{'instr/MAC':>11}")
    for model in models:
        graph = read_model(model)
        per_op, total = run_model(model, cpu)
        macs = sum(operator_macs(graph, op) for op in graph.operators)
        print(f"{graph.name:<26}{macs:>12,}{total:>14,}{total / max(macs, 1):>11.2f}")
        if per_op_wanted:
            for op in graph.operators:
                n = per_op.get(op.index, 0)
                print(f"    {op.index:>3} {op.op:<20}{operator_macs(graph, op):>12,}{n:>14,}")


if __name__ == "__main__":
    main(sys.argv[1:])
