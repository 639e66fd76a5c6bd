"""Our firmware next to TFLM + CMSIS-NN, per shared model and per emulated CPU, in one run.

For each model and board it builds our offline PlatformIO firmware (the board's per-CPU kernels) and
the TFLM + CMSIS-NN benchmark harness of ../shared/tflm (TINYLARGE_SHARED_TFLM overrides) for the
same CPU, fed with the same input (our self-test vector), runs both on QEMU -icount shift=0 and prints:
instructions per inference (SysTick under -icount: exact), flash (text + data) and static RAM
(data + bss; TFLM's counts the arena bytes its planner used instead of the harness's fixed arena;
stacks excluded on both sides), as a markdown table to paste verbatim with the command line.
Figures only, never pass/fail.

    .venv/bin/python bench/bench_firmware.py [--board ID ...] [--model NAME ...] [--out DIR] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolchain.boards import Board, load_board  # noqa: E402
from toolchain.emulators.qemu import start_qemu  # noqa: E402
from toolchain.errors import ToolchainError  # noqa: E402
from toolchain.firmware.build import build_project, section_sizes  # noqa: E402
from toolchain.firmware.project import generate_project  # noqa: E402
from toolchain.firmware.selftest import make_selftest  # noqa: E402
from toolchain.model.reader import read_model  # noqa: E402

MODELS_DIR = Path(os.environ.get("TINYLARGE_SHARED_MODELS", ROOT.parent / "shared" / "models"))
TFLM_DIR = Path(os.environ.get("TINYLARGE_SHARED_TFLM", ROOT.parent / "shared" / "tflm"))
DEFAULT_BOARDS = ("qemu_mps2_an386", "qemu_mps2_an500", "qemu_mps3_an547")
# The QEMU machine the TFLM harness links for, per its CPU= name (../shared/tflm/README.md).
HARNESS_MACHINES = {"m4": "mps2-an386", "m7": "mps2-an500", "m55": "mps3-an547"}
SELFTEST = re.compile(rb"TL-SELFTEST (PASS|FAIL|ERROR) (\d+) (\S+)[ \n]")


class BenchError(Exception):
    """A model or board the bench cannot measure; one line for the user."""


@dataclass(frozen=True)
class Figures:
    instructions: int
    flash: int  # text + data
    ram: int  # data + bss (TFLM: arena bytes used instead of the harness's arena array)


@dataclass(frozen=True)
class Row:
    model: str
    board: str
    core: str
    machine: str
    ours: Figures
    tflm: Figures
    ours_selftest: str  # PASS: our output equals the TFLM interpreter's for the self-test input
    tflm_output_equal: bool  # the TFLM harness's output bytes equal the TFLM interpreter's


def harness_cpu(board: Board) -> str:
    """The TFLM harness's CPU= name for the board, checked against the machine it links for."""
    cpu = board.cpu.core.removeprefix("cortex-")
    machine = board.emulators.qemu.machine if board.emulators.qemu else None
    if HARNESS_MACHINES.get(cpu) != machine:
        raise BenchError(f"board {board.id} ({board.cpu.core}, QEMU {machine}) has no TFLM harness build; "
                         f"the harness runs on {', '.join(f'{c}: {m}' for c, m in HARNESS_MACHINES.items())}")
    return cpu


def parse_harness(text: str) -> tuple[dict[str, int], bytes]:
    """The harness's `key value` lines (instructions, arena_size, arena_used_bytes...) and the output
    tensors' bytes (`outputI TYPE NBYTES HEX` lines, in order)."""
    values: dict[str, int] = {}
    outputs = b""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and re.fullmatch(r"output\d+", parts[0]):
            outputs += bytes.fromhex(parts[3])
        elif len(parts) == 2 and parts[1].isdigit():
            values[parts[0]] = int(parts[1])
    if "done" not in text.split() or "instructions" not in values:
        raise BenchError(f"TFLM harness did not finish: {text.strip()[-300:]!r}")
    return values, outputs


def tflm_figures(model: Path, board: Board, input_bytes: bytes, work: Path) -> tuple[Figures, bytes]:
    """Builds and runs TFLM + CMSIS-NN for the board's CPU on `input_bytes`; its figures and outputs."""
    harness = TFLM_DIR / "harness"
    if not (harness / "build.sh").is_file():
        raise BenchError(f"no TFLM harness at {harness} (set TINYLARGE_SHARED_TFLM)")
    cpu = harness_cpu(board)
    elf = work / f"tflm-{model.stem}-{cpu}.elf"
    input_file = work / f"{model.stem}.input.bin"
    input_file.write_bytes(input_bytes)
    env = dict(os.environ, CPU=cpu, INPUT=str(input_file), PYTHON=sys.executable)
    _run([str(harness / "build.sh"), str(model), "cmsis-nn", str(elf)], env)
    text = _run([str(harness / "run.sh"), str(elf)], dict(os.environ, MACHINE=board.emulators.qemu.machine))
    values, outputs = parse_harness(text)
    text_bytes, data, bss = section_sizes(elf)
    ram = data + bss - values["arena_size"] + values["arena_used_bytes"]
    return Figures(values["instructions"], text_bytes + data, ram), outputs


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed: {(result.stdout + result.stderr).strip()[-400:]}")
    return result.stdout


def our_figures(model: Path, board: Board, work: Path) -> tuple[Figures, str]:
    project = generate_project(model, board.id, work / f"{model.stem}-{board.id}")
    build = build_project(project.directory)
    verdict, count, unit = selftest_count(board, build.elf)
    if unit != "instructions":
        raise BenchError(f"board {board.id} counts {unit}, not instructions")
    m = build.memory
    return Figures(count, m.flash, m.data + m.bss), verdict


def selftest_count(board: Board, elf: Path) -> tuple[str, int, str]:
    with start_qemu(board, elf) as qemu, socket.create_connection(("127.0.0.1", qemu.port)) as s:
        s.settimeout(300)
        data = b""
        while not SELFTEST.search(data):
            chunk = s.recv(4096)
            if not chunk:
                raise BenchError(f"no self-test line from {elf}: {data!r}")
            data += chunk
    verdict, count, unit = SELFTEST.search(data).groups()
    return verdict.decode(), int(count), unit.decode()


def _little_endian_bytes(arrays) -> bytes:
    return b"".join(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes() for a in arrays)


def measure(model: Path, board: Board, work: Path) -> Row:
    selftest = make_selftest(model, read_model(model))
    ours, verdict = our_figures(model, board, work)
    tflm, outputs = tflm_figures(model, board, _little_endian_bytes(selftest.inputs), work)
    return Row(model.stem, board.id, board.cpu.core, board.emulators.qemu.machine, ours, tflm, verdict,
               outputs == _little_endian_bytes(selftest.outputs))


def _ratio(ours: int, theirs: int) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def markdown_table(rows: list[Row]) -> str:
    lines = ["| model | CPU (QEMU machine) | instructions ours | TFLM+CMSIS-NN | ours / TFLM "
             "| flash B ours | TFLM+CMSIS-NN | ours / TFLM | RAM B ours | TFLM+CMSIS-NN | ours / TFLM "
             "| bit-exact |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        exact = "yes" if r.ours_selftest == "PASS" and r.tflm_output_equal else (
            f"ours {r.ours_selftest}, TFLM device {'=' if r.tflm_output_equal else '!='} TFLM Python")
        lines.append(
            f"| {r.model} | {r.core} ({r.machine}) | {r.ours.instructions:,} | {r.tflm.instructions:,} "
            f"| {_ratio(r.ours.instructions, r.tflm.instructions)} | {r.ours.flash:,} | {r.tflm.flash:,} "
            f"| {_ratio(r.ours.flash, r.tflm.flash)} | {r.ours.ram:,} | {r.tflm.ram:,} "
            f"| {_ratio(r.ours.ram, r.tflm.ram)} | {exact} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", action="append", help=f"board id (repeatable; default {', '.join(DEFAULT_BOARDS)})")
    parser.add_argument("--model", action="append", help="shared model name without .tflite (repeatable; default all)")
    parser.add_argument("--out", type=Path, default=None, help="where the builds go (default: a temp dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        rows = run(args)
    except (BenchError, ToolchainError) as exc:
        sys.exit(f"error: {exc}")
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return
    command = "python bench/bench_firmware.py" + "".join(
        f" --{flag} {value}" for flag in ("board", "model") for value in (getattr(args, flag) or ()))
    print(f"`{command}` (QEMU -icount shift=0; flash = text + data; RAM = data + bss, stack excluded, "
          "TFLM's arena counted as the bytes its planner used; bit-exact = our self-test and TFLM's output "
          "both equal the TFLM interpreter's on the same input)\n")
    print(markdown_table(rows))


def run(args: argparse.Namespace) -> list[Row]:
    boards = [load_board(b) for b in (args.board or DEFAULT_BOARDS)]
    for board in boards:
        harness_cpu(board)
    models = [MODELS_DIR / f"{m}.tflite" for m in args.model] if args.model else sorted(MODELS_DIR.glob("*.tflite"))
    missing = [str(m) for m in models if not m.is_file()]
    if not models or missing:
        raise BenchError(f"no model {', '.join(missing) or '*.tflite'} in {MODELS_DIR} (set TINYLARGE_SHARED_MODELS)")
    work = args.out or Path(tempfile.mkdtemp(prefix="bench-firmware-"))
    work.mkdir(parents=True, exist_ok=True)
    return [measure(model, board, work) for model in models for board in boards]


if __name__ == "__main__":
    main()
