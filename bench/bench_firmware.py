"""Firmware figures per shared model on a QEMU board (default qemu_mps2_an386, Cortex-M4):
instructions per inference (QEMU -icount shift=0 + SysTick, read from the boot self-test line),
flash and RAM bytes of the offline PlatformIO build.

    .venv/bin/python bench/bench_firmware.py [--board qemu_mps2_an386] [--out DIR] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolchain.boards import load_board  # noqa: E402
from toolchain.emulators.qemu import start_qemu  # noqa: E402
from toolchain.firmware.build import build_project  # noqa: E402
from toolchain.firmware.project import generate_project  # noqa: E402

MODELS_DIR = Path(os.environ.get("TINYLARGE_SHARED_MODELS", ROOT.parent / "shared" / "models"))
SELFTEST = re.compile(rb"TL-SELFTEST (PASS|FAIL|ERROR) (\d+) (\S+)[ \n]")


def selftest_count(board_id: str, elf: Path) -> tuple[str, int, str]:
    with start_qemu(load_board(board_id), elf) as qemu, socket.create_connection(("127.0.0.1", qemu.port)) as s:
        s.settimeout(300)
        data = b""
        while not SELFTEST.search(data):
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError(f"no self-test line from {elf}: {data!r}")
            data += chunk
    verdict, count, unit = SELFTEST.search(data).groups()
    return verdict.decode(), int(count), unit.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default="qemu_mps2_an386")
    parser.add_argument("--out", type=Path, default=None, help="where the projects go (default: a temp dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-firmware-"))
    models = sorted(MODELS_DIR.glob("*.tflite"))
    if not models:
        sys.exit(f"no .tflite models in {MODELS_DIR} (set TINYLARGE_SHARED_MODELS)")
    rows = []
    for model in models:
        project = generate_project(model, args.board, out / f"{model.stem}-{args.board}")
        build = build_project(project.directory)
        verdict, count, unit = selftest_count(args.board, build.elf)
        m = build.memory
        rows.append({"model": model.stem, "selftest": verdict, "per_inference": count, "unit": unit,
                     "flash": m.flash, "text": m.text, "data": m.data, "bss": m.bss, "ram": m.ram})
    if args.json:
        print(json.dumps({"board": args.board, "results": rows}, indent=2))
        return
    print(f"board {args.board}  (RAM = data + bss + {build.memory.stack:,} B reserved stack)")
    print(f"{'model':<26} {'self-test':<9} {'per inference':>16} {'unit':<13} {'flash B':>9} {'bss B':>8} {'RAM B':>8}")
    for r in rows:
        print(f"{r['model']:<26} {r['selftest']:<9} {r['per_inference']:>16,} {r['unit']:<13} {r['flash']:>9,} "
              f"{r['bss']:>8,} {r['ram']:>8,}")


if __name__ == "__main__":
    main()
