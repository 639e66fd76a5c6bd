"""Student families on the demo data: accuracy with/without the teacher, int8 accuracy, size, time.

Trains the demo teacher once, then distils and quantizes each student family from it. Prints
figures, never pass/fail.  usage: python bench/bench_distill.py [--data D] [--epochs E] [--json]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from toolchain.distill.pipeline import DEMO, distill, quantize
from toolchain.model.analysis import operator_macs
from toolchain.model.reader import read_model
from toolchain.plan import plan_memory

FAMILIES = ("mlp", "cnn", "ds-cnn", "mobilenet:0.5", "mobilenet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEMO.data)
    parser.add_argument("--epochs", type=int, default=DEMO.epochs)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        teacher_dir = Path(tmp) / "teacher"
        started = time.monotonic()
        first = distill(args.data, teacher_dir, student_arch=FAMILIES[0], epochs=args.epochs, seed=DEMO.seed)
        print(f"teacher {first.teacher}: {first.teacher_accuracy:.1%} held-out, {first.teacher_params:,} parameters, "
              f"trained with the first student in {time.monotonic() - started:.0f} s")
        for family in FAMILIES:
            out = Path(tmp) / family.replace(":", "_")
            started = time.monotonic()
            report = first if family == FAMILIES[0] else distill(
                args.data, out, student_arch=family, teacher=first.teacher_path, epochs=args.epochs, seed=DEMO.seed)
            q = quantize(report.student_path, args.data, out / "student.tflite", seed=DEMO.seed)
            graph = read_model(q.model_path)
            rows.append({
                "student": family, "params": report.student_params, "distilled": report.student_accuracy,
                "without_teacher": report.baseline_accuracy, "int8": q.int8_accuracy, "agreement": q.agreement,
                "tflite_bytes": q.model_bytes, "arena_bytes": plan_memory(graph).arena_bytes,
                "macs": sum(operator_macs(graph, op) for op in graph.operators),
                "seconds": round(time.monotonic() - started, 1) if family != FAMILIES[0] else first.seconds})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'student':<14}{'params':>9}{'distilled':>11}{'no teacher':>11}{'int8':>8}{'agree':>8}"
          f"{'.tflite B':>11}{'arena B':>9}{'MACs':>11}{'s':>7}")
    for r in rows:
        print(f"{r['student']:<14}{r['params']:>9,}{r['distilled']:>11.1%}{r['without_teacher']:>11.1%}"
              f"{r['int8']:>8.1%}{r['agreement']:>8.1%}{r['tflite_bytes']:>11,}{r['arena_bytes']:>9,}"
              f"{r['macs']:>11,}{r['seconds']:>7}")


if __name__ == "__main__":
    main()
