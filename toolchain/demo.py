"""`tinylarge demo`: the whole loop on one machine, no network.

LargeML teacher -> distilled int8 student -> C firmware -> emulator -> HIL check against TFLM ->
aggregator with teacher escalation -> hard examples for the next distillation round.
Each step is one call into its stage; this module only sequences them and collects the figures.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import httpx

from toolchain.errors import ToolchainError

DEFAULT_BOARD = "qemu_mps2_an386"
FIELD_DATA, FIELD_SEED = "synthetic:vibration:300", 1
STEPS = ("distill", "quantize", "generate", "build", "hil", "aggregate", "export")


@dataclass
class DemoReport:
    board: str
    emulator: str
    teacher_accuracy: float
    student_float_accuracy: float
    baseline_accuracy: float
    student_int8_accuracy: float
    device_accuracy: float | None
    samples: int
    exact_match_rate: float
    lost: int
    duplicated: int
    latency_unit: str
    latency_median: int
    flash_bytes: int
    ram_bytes: int
    arena_bytes: int
    offload_rate: float
    teacher_agreement: float | None
    hard_examples: int
    hard_examples_path: str
    model_path: str
    project_dir: str
    dashboard_url: str
    aggregator_db: str
    seconds: float

    def to_json(self) -> dict:
        return asdict(self)


class DemoError(ToolchainError):
    """A demo step failed; the message names the step."""


@contextmanager
def _aggregator(db_path: Path, teacher: str, log_path: Path) -> Iterator[str]:
    """Runs `tinylarge aggregator serve` as its own process on a free port; yields its URL."""
    command = [sys.executable, "-m", "toolchain.cli", "aggregator", "serve", "--db", str(db_path),
               "--port", "0", "--teacher", teacher]
    log = open(log_path, "w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        announced = re.search(r"http://\S+", process.stdout.readline())
        if not announced:
            raise DemoError(f"aggregator: did not start (see {log_path})")
        yield announced.group(0)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _choose_emulator(project) -> str:
    from toolchain.emulators.renode import find_renode

    if project.board.emulators.renode is not None:
        try:
            find_renode()
            return "renode"
        except ToolchainError:
            pass
    if project.board.emulators.qemu is None:
        raise DemoError(f"board {project.board.id}: needs Renode, which is not installed")
    return "qemu"


def run_demo(out_dir: str | Path, board: str = DEFAULT_BOARD, epochs: int | None = None,
             say: Callable[[str, str], None] = lambda step, msg: None,
             keep_serving: Callable[[str], None] | None = None) -> DemoReport:
    """Runs every step into `out_dir`; `say(step, message)` reports progress."""
    from hil.runner import RunOptions, run_project
    from toolchain.aggregator.auth import register_device
    from toolchain.aggregator.export import export_disagreements
    from toolchain.aggregator.store import open_store, resolve_db_url
    from toolchain.boards import load_board
    from toolchain.distill.pipeline import DEMO, distill, export_device_samples, quantize
    from toolchain.firmware.build import build_project
    from toolchain.firmware.project import generate_project
    from toolchain.plan import plan_memory
    from toolchain.model.reader import read_model

    started = time.monotonic()
    load_board(board)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    say("distill", f"teacher {DEMO.teacher_arch} -> student {DEMO.student_arch} on {DEMO.data}")
    distilled = distill(DEMO.data, out / "models", epochs=epochs or DEMO.epochs,
                        progress=lambda msg: say("distill", msg))
    say("quantize", "full-int8 conversion, accuracy checked with TFLM")
    quantized = quantize(distilled.student_path, DEMO.data, out / "models" / "student_int8.tflite", board=board,
                         progress=lambda msg: say("quantize", msg))

    say("generate", f"firmware project for {board}")
    project = generate_project(quantized.model_path, board, out / f"student_int8-{board}")
    say("build", "PlatformIO, offline")
    built = build_project(project.directory)
    say("build", built.memory.describe())

    db_path = out / "aggregator.db"
    if db_path.exists():
        db_path.unlink()  # each demo run starts a fresh fleet
    token = register_device(resolve_db_url(str(db_path), dict(os.environ)), f"demo-{board}")
    emulator = _choose_emulator(project)
    # Fresh "field" data the student never saw (another seed), so the hard examples exported from it
    # can go into the next round's training set without leaking the held-out split.
    field_path = out / "field.npz"
    field_count = export_device_samples(FIELD_DATA, quantized.model_path, field_path, seed=FIELD_SEED)
    with _aggregator(db_path, distilled.teacher_tflite_path, out / "aggregator.log") as url:
        say("hil", f"{field_count} field samples on {emulator}, checked against TFLM, streamed to {url}")
        hil = run_project(project.directory, RunOptions(emulator=emulator, dataset_path=field_path,
                                                        aggregator=url, token=token,
                                                        device_name=f"demo-{board}"))
        if not hil.passed:
            raise DemoError(f"hil: device outputs differ from TFLM ({hil.error or hil.agreement.first_mismatch})")
        stats = httpx.get(f"{url}/v1/stats", timeout=30).json()
        say("aggregate", f"{stats['results']} results stored, offload rate {stats['offload_rate']:.1%}")
        hard_path = out / "hard.npz"
        store = open_store(resolve_db_url(str(db_path), dict(os.environ)))
        try:
            exported = export_disagreements(store, hard_path)
        finally:
            store.close()
        say("export", f"{exported.examples} teacher-labelled disagreements -> {hard_path}")
        report = DemoReport(
            board=board, emulator=emulator, teacher_accuracy=distilled.teacher_accuracy,
            student_float_accuracy=distilled.student_accuracy, baseline_accuracy=distilled.baseline_accuracy,
            student_int8_accuracy=quantized.int8_accuracy, device_accuracy=hil.accuracy, samples=hil.samples,
            exact_match_rate=hil.agreement.exact_match_rate, lost=hil.lost, duplicated=hil.duplicated,
            latency_unit=hil.latency.unit, latency_median=int(hil.latency.median),
            flash_bytes=built.memory.flash, ram_bytes=built.memory.ram,
            arena_bytes=plan_memory(read_model(quantized.model_path)).arena_bytes,
            offload_rate=stats["offload_rate"], teacher_agreement=stats["agreement"],
            hard_examples=exported.examples, hard_examples_path=str(hard_path),
            model_path=quantized.model_path, project_dir=str(project.directory), dashboard_url=f"{url}/",
            aggregator_db=str(db_path), seconds=round(time.monotonic() - started, 1))
        (out / "demo.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
        if keep_serving:
            keep_serving(url)
    return report
