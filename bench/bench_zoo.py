"""The Keras model zoo (tests/zoo.py), one row per variant: operators, MACs, weights, our arena
(what `inspect` predicts and the generated C declares) next to TFLM's, host bit-exactness against
the reference (TFLM, or LiteRT's reference kernels for operators TFLM lacks) and every operator
output on the emulated Cortex-M4 (mps2-an386). Prints figures as a Markdown table, never pass/fail.

usage: python bench/bench_zoo.py [--samples N] [--m4-samples N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from toolchain.codegen.generator import generate_c  # noqa: E402
from toolchain.codegen.supported import litert_referenced_ops, unsupported_ops  # noqa: E402
from toolchain.codegen.verify import verify_model  # noqa: E402
from toolchain.emulators.opcheck import check_on_target  # noqa: E402
from toolchain.inspect import inspect_model  # noqa: E402
from toolchain.model.reader import read_model  # noqa: E402
from zoo import build_zoo  # noqa: E402


def row(label: str, path: Path, samples: int, m4_samples: int) -> str:
    graph = read_model(path)
    ops = ", ".join(sorted({op.op for op in graph.operators}))
    problems = unsupported_ops(graph)
    if problems:
        first = problems[0]
        return f"| {label} | {ops} | refused: {first['op']} ({first['types']}): {first['reason']} |||||"
    report = inspect_model(path)
    reference = "TFLM + LiteRT ref" if litert_referenced_ops(graph) else "TFLM"
    host = verify_model(path, samples=samples, seed=1)
    m4 = check_on_target(path, "qemu_mps2_an386", samples=m4_samples)
    tflm_arena = f"{report.tflm_arena_bytes:,}" if report.tflm_arena_bytes is not None else "-"
    m4_arena = generate_c(graph, target="cortex-m4").plan.arena_bytes
    return (f"| {label} | {ops} | {report.total_macs:,} | {report.weight_bytes:,} | "
            f"{report.arena_bytes:,} (M4 {m4_arena:,}) / {tflm_arena} | {reference}: {host.exact_samples}/{samples} | "
            f"{m4.tensors_compared - len(m4.mismatches)}/{m4.tensors_compared} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--m4-samples", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="write the .tflite files here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        builds = build_zoo(out)
        print("| model | operators | MACs | weight B | arena B ours (M4) / TFLM | host bit-exact samples "
              "| M4 operator outputs bit-exact |")
        print("|---|---|---|---|---|---|---|")
        for build in builds:
            print(row(build.label, build.path, args.samples, args.m4_samples), flush=True)


if __name__ == "__main__":
    main()
