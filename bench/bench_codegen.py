"""Per shared model: MACs, our arena vs TFLM's, const (weight) bytes and code bytes of the generated C.

Code bytes are the .text of every generated object except tl_weights.o, for the host (gcc -Os) and,
when installed, Cortex-M4 (arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os). Prints figures, never
pass/fail.  usage: python bench/bench_codegen.py [MODELS_DIR] [--json]
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from toolchain.codegen import generate_c, write_sources
from toolchain.model.analysis import operator_macs
from toolchain.model.reader import read_model
from toolchain.reference import tflm_arena_bytes

DEFAULT_MODELS = Path(__file__).resolve().parents[2] / "shared" / "models"
TOOLCHAINS = {
    "host": ("gcc", "size", ["-std=c99", "-Os"]),
    "cortex-m4": ("arm-none-eabi-gcc", "arm-none-eabi-size",
                  ["-std=c99", "-Os", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
}


def code_bytes(directory: Path, c_files: list[str], compiler: str, size_tool: str, flags: list[str]) -> int | None:
    """Sum of .text over the kernel + model objects (weights excluded: they are counted separately)."""
    if shutil.which(compiler) is None or shutil.which(size_tool) is None:
        return None
    objects = []
    for c_file in c_files:
        if c_file == "tl_weights.c":
            continue
        obj = directory / f"{c_file}.{compiler}.o"
        subprocess.run([compiler, *flags, "-c", c_file, "-o", obj.name], cwd=directory, check=True)
        objects.append(obj.name)
    out = subprocess.run([size_tool, *objects], cwd=directory, check=True, capture_output=True, text=True).stdout
    return sum(int(line.split()[0]) for line in out.splitlines()[1:] if line.strip())


def measure(model: Path) -> dict:
    graph = read_model(model)
    sources = generate_c(graph)
    row = {
        "model": graph.name, "operators": len(graph.operators),
        "macs": sum(operator_macs(graph, op) for op in graph.operators),
        "arena_bytes": sources.arena_bytes, "tflm_arena_bytes": tflm_arena_bytes(model),
        "const_bytes": sources.const_bytes, "model_weight_bytes": graph.weight_bytes(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        write_sources(sources, tmp)
        for target, (compiler, size_tool, flags) in TOOLCHAINS.items():
            row[f"code_bytes_{target}"] = code_bytes(Path(tmp), sources.c_files(), compiler, size_tool, flags)
    return row


def main(argv: list[str]) -> None:
    as_json = "--json" in argv
    args = [a for a in argv if a != "--json"]
    models_dir = Path(args[0]) if args else DEFAULT_MODELS
    rows = [measure(p) for p in sorted(models_dir.glob("*.tflite"))]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    header = (f"{'model':<26}{'ops':>4}{'MACs':>12}{'arena':>9}{'TFLM':>9}{'ratio':>7}"
              f"{'const B':>10}{'code host':>11}{'code M4':>9}")
    print(header)
    for r in rows:
        print(f"{r['model']:<26}{r['operators']:>4}{r['macs']:>12,}{r['arena_bytes']:>9,}{r['tflm_arena_bytes']:>9,}"
              f"{r['arena_bytes'] / r['tflm_arena_bytes']:>7.2f}{r['const_bytes']:>10,}"
              f"{r['code_bytes_host'] or 0:>11,}{r['code_bytes_cortex-m4'] or 0:>9,}")


if __name__ == "__main__":
    main(sys.argv[1:])
