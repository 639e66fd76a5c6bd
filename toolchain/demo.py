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
    split_after: int | None = None  # --split: the head runs operators 0..split_after on the device
    split_payload_bytes: int | None = None  # feature map bytes the device sends per inference
    split_exact_rate: float | None = None  # stored outputs (tail at the aggregator) equal to the whole model's

    def to_json(self) -> dict:
        return asdict(self)


class DemoError(ToolchainError):
    """A demo step failed; the message names the step."""


@contextmanager
def _aggregator(db_path: Path, teacher: str, log_path: Path, tail: Path | None = None) -> Iterator[str]:
    """Runs `tinylarge aggregator serve` as its own process on a free port; yields its URL."""
    command = [sys.executable, "-m", "toolchain.cli", "aggregator", "serve", "--db", str(db_path),
               "--port", "0", "--teacher", teacher, *(["--tail", str(tail)] if tail else [])]
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
             keep_serving: Callable[[str], None] | None = None, split: bool = False) -> DemoReport:
    """Runs every step into `out_dir`; `say(step, message)` reports progress. With `split` the
    device runs the student's head (the sweep's fastest split) and the aggregator its tail."""
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

    device_model, split_files = quantized.model_path, None
    if split:
        split_files = _split_student(quantized.model_path, board, out / "split", say)
        device_model = split_files.head_path
    say("generate", f"firmware project for {board}")
    project = generate_project(device_model, board, out / f"{Path(device_model).stem}-{board}")
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
    with _aggregator(db_path, distilled.teacher_tflite_path, out / "aggregator.log",
                     split_files.tail_path if split_files else None) as url:
        say("hil", f"{field_count} field samples on {emulator}, checked against TFLM, streamed to {url}")
        hil = run_project(project.directory, RunOptions(emulator=emulator, dataset_path=field_path,
                                                        aggregator=url, token=token,
                                                        device_name=f"demo-{board}"))
        if not hil.passed:
            raise DemoError(f"hil: device outputs differ from TFLM ({hil.error or hil.agreement.first_mismatch})")
        stats = httpx.get(f"{url}/v1/stats", timeout=30).json()
        split_exact = device_accuracy = None
        if split_files:
            split_exact, device_accuracy = _check_split_results(db_path, f"demo-{board}", quantized.model_path,
                                                                field_path)
            say("aggregate", f"tail outputs equal the whole student's (TFLM) for {split_exact:.1%} of the results")
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
            student_int8_accuracy=quantized.int8_accuracy,
            device_accuracy=device_accuracy if split_files else hil.accuracy, samples=hil.samples,
            exact_match_rate=hil.agreement.exact_match_rate, lost=hil.lost, duplicated=hil.duplicated,
            latency_unit=hil.latency.unit, latency_median=int(hil.latency.median),
            flash_bytes=built.memory.flash, ram_bytes=built.memory.ram,
            arena_bytes=plan_memory(read_model(quantized.model_path)).arena_bytes,
            offload_rate=stats["offload_rate"], teacher_agreement=stats["agreement"],
            hard_examples=exported.examples, hard_examples_path=str(hard_path),
            model_path=quantized.model_path, project_dir=str(project.directory), dashboard_url=f"{url}/",
            aggregator_db=str(db_path), seconds=round(time.monotonic() - started, 1),
            split_after=split_files.cut.after if split_files else None,
            split_payload_bytes=split_files.payload_bytes if split_files else None, split_exact_rate=split_exact)
        (out / "demo.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
        if keep_serving:
            keep_serving(url)
    return report


def _split_student(model_path: str, board: str, out: Path, say: Callable[[str, str], None]):
    """Cut the student where the sweep finds the fastest split on `board` and write head and tail."""
    from toolchain.boards import load_board
    from toolchain.model.reader import read_model
    from toolchain.split import write_split
    from toolchain.split.sweep import sweep

    graph = read_model(model_path)
    report = sweep(graph, load_board(board))
    if report.recommended_split is None:
        raise DemoError(f"split: no cut of {graph.name} fits {board}")
    files = write_split(graph, report.recommended_split, out)
    row = next(r for r in report.rows if r.after == report.recommended_split)
    whole = next(r for r in report.rows if r.after == -1)
    say("generate", f"split after operator {row.label}: the device sends {row.payload_bytes:,} B per inference "
                    f"instead of its {whole.payload_bytes:,} B input; the aggregator runs the tail")
    return files


def _check_split_results(db_path: Path, device: str, model_path: str, field_path: Path) -> tuple[float, float]:
    """(share of stored outputs equal to the whole model's TFLM outputs, accuracy of the stored outputs)."""
    import numpy as np

    from toolchain.aggregator.store import open_store
    from toolchain.model.reader import read_model
    from toolchain.reference import reference_outputs

    graph = read_model(model_path)
    field = np.load(field_path)
    x = field["x"].reshape((len(field["x"]), *graph.input_tensors[0].shape))
    expected = reference_outputs(model_path, [x])[0].reshape(len(x), -1)
    store = open_store(str(db_path))
    try:
        stored = store.stored_outputs(device)
    finally:
        store.close()
    quant = graph.output_tensors[0].quant
    raw = np.array([np.round(np.asarray(output) / quant.scale[0] + quant.zero_point[0]) for _, _, output in stored])
    if raw.shape != expected.shape:
        raise DemoError(f"aggregate: {len(raw)} results stored for {device}, {len(expected)} expected")
    exact = float(np.mean(np.all(raw == expected, axis=1)))
    return exact, float(np.mean(raw.argmax(axis=1) == field["y"]))
