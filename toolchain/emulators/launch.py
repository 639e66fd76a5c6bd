"""Start a generated project's firmware on an emulator: the one seam `tinylarge emulate` and
`tinylarge hil run --emulator` call. Every session has `url` (socket://127.0.0.1:PORT, the
console UART), `stop()` (always ends the emulator) and is a context manager."""
from __future__ import annotations

from pathlib import Path

from toolchain.errors import BoardError, ToolchainError
from toolchain.emulators.qemu import start_qemu
from toolchain.emulators.renode import RenodeError, start_renode
from toolchain.emulators.renode_files import renode_script_path
from toolchain.firmware.project import Project

EMULATORS = ("qemu", "renode")


def default_emulator(project: Project) -> str:
    """The board's emulator: Renode where it models the board itself, else its QEMU machine (which
    may be a stand-in, e.g. netduinoplus2 for the F4-Discovery, whose console is not QEMU's serial0)."""
    available = [name for name in ("renode", "qemu") if getattr(project.board.emulators, name) is not None]
    if not available:
        raise BoardError(f"board {project.board.id} has no emulator (no [emulators.qemu] or [emulators.renode])")
    return available[0]


def start_emulator(project: Project, emulator: str, *, env: str | None = None, port: int | None = None):
    """Runs the project's built ELF (`env`, default the project's default env) on `emulator`."""
    if emulator not in EMULATORS:
        raise ToolchainError(f"unknown emulator {emulator!r}; choose one of {', '.join(EMULATORS)}")
    if getattr(project.board.emulators, emulator) is None:
        raise BoardError(f"board {project.board.id} has no {emulator} model (no [emulators.{emulator}] "
                         "in its board file)")
    elf = project.elf_path(env)
    if emulator == "renode":
        return _start_renode(project, elf, port)
    return start_qemu(project.board, elf, port=port)


def _start_renode(project: Project, elf: Path, port: int | None):
    script = project.directory / renode_script_path(project.board)
    if not script.is_file():
        raise RenodeError(f"{script} is missing: regenerate the project with `tinylarge generate` "
                          f"(Renode files are written for boards with an offline bare-metal build)")
    return start_renode(script, elf, port=port)
