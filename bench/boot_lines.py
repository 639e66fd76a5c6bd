"""The boot lines (TL-IDENTITY, TL-SELFTEST) of one model's firmware on an emulated board, as its
console prints them: generate, build offline, boot on QEMU, print the lines. Figures only.

    .venv/bin/python bench/boot_lines.py MODEL.tflite [--board qemu_mps2_an386]
"""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolchain.boards import load_board  # noqa: E402
from toolchain.emulators.qemu import start_qemu  # noqa: E402
from toolchain.errors import ToolchainError  # noqa: E402
from toolchain.firmware.build import build_project  # noqa: E402
from toolchain.firmware.project import generate_project  # noqa: E402

SELFTEST_PREFIX = b"TL-SELFTEST "


def boot_lines(model: Path, board_id: str, work: Path) -> list[str]:
    board = load_board(board_id)
    project = generate_project(model, board.id, work / f"{model.stem}-{board.id}")
    elf = build_project(project.directory).elf
    with start_qemu(board, elf) as qemu, socket.create_connection(("127.0.0.1", qemu.port)) as console:
        console.settimeout(300)
        data = b""
        while SELFTEST_PREFIX not in data or not data.split(SELFTEST_PREFIX, 1)[1].count(b"\n"):
            chunk = console.recv(4096)
            if not chunk:
                raise ToolchainError(f"the console closed before a self-test line: {data!r}")
            data += chunk
    return [line for line in data.decode("ascii", "replace").splitlines() if line.startswith("TL-")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--board", default="qemu_mps2_an386")
    args = parser.parse_args()
    try:
        with tempfile.TemporaryDirectory(prefix="boot-lines-") as work:
            print("\n".join(boot_lines(args.model, args.board, Path(work))))
    except ToolchainError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
