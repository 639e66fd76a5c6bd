"""Flashing a built project onto its board: `flash_project(dir, method=None, port=None)`.

Methods come from the board file's `[flash]` table (first listed is the default): `pio` (PlatformIO
upload), `openocd` (ST-Link / CMSIS-DAP), `pyocd`, `esptool` (ESP32), `uf2` (copy to the RP2040's
boot drive), `emulator` (QEMU through its GDB server). Ports: `auto` finds the board by USB VID:PID.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from toolchain.flash.methods import FlashError, esptool_plan, openocd_plan, pio_plan, pyocd_plan, run_plan
from toolchain.flash.ports import PortError, find_port, resolve_port

__all__ = ["FlashError", "FlashResult", "PortError", "find_port", "flash_project", "resolve_port"]

PORT_METHODS = ("esptool",)  # methods that talk to the serial port (others use a debug probe or a drive)


@dataclass(frozen=True)
class FlashResult:
    method: str
    target: str  # port, probe, drive or emulator address
    elf: Path
    detail: str


def flash_project(directory: str | Path, *, method: str | None = None, port: str | None = None,
                  env: str | None = None) -> FlashResult:
    from toolchain.firmware.project import load_project

    project = load_project(directory)
    board = project.board
    method = method or board.flash.methods[0]
    if method not in board.flash.methods:
        raise FlashError(f"board {board.id} does not flash with {method!r}; its methods: {', '.join(board.flash.methods)}")
    elf = project.elf_path(env)
    if not elf.is_file():
        raise FlashError(f"firmware ELF {elf} does not exist (run `tinylarge build {project.directory}` first)")
    if method == "emulator":
        return _flash_emulator(project, elf, port, env)
    if method == "uf2":
        return _flash_uf2(board, elf, port)
    if method == "pio":
        environment = project.env(env)
        serial_port = resolve_port(board, port) if port else None
        plan = pio_plan(project, environment.name, serial_port)
        run_env = _pio_environment(environment)
        return FlashResult("pio", serial_port or "PlatformIO default", elf, run_plan(plan, env=run_env))
    if method in PORT_METHODS:
        serial_port = resolve_port(board, port)
        return FlashResult(method, serial_port, elf, run_plan(esptool_plan(project, elf, board, serial_port)))
    plan = openocd_plan(project, elf, board) if method == "openocd" else pyocd_plan(project, elf, board)
    return FlashResult(method, plan.description, elf, run_plan(plan))


def _pio_environment(environment) -> dict:
    if environment.offline:
        from toolchain.firmware.offline import setup_offline

        return setup_offline().environment()
    return dict(os.environ)


def _flash_uf2(board, elf: Path, drive: str | None) -> FlashResult:
    from toolchain.flash.uf2 import elf_segments, to_uf2

    if not board.flash.uf2_family:
        raise FlashError(f"board {board.id} has no [flash] uf2_family in its board file")
    mount = Path(drive) if drive and drive != "auto" else _find_uf2_drive()
    if not (mount / "INFO_UF2.TXT").is_file():
        raise FlashError(f"{mount} is not a UF2 boot drive (no INFO_UF2.TXT): hold BOOTSEL while plugging the board in")
    image = to_uf2(elf_segments(elf), int(board.flash.uf2_family, 0))
    (mount / "firmware.uf2").write_bytes(image)
    return FlashResult("uf2", str(mount), elf, f"{len(image) // 512} UF2 blocks copied")


def _find_uf2_drive() -> Path:
    roots = [Path("/media"), Path("/run/media"), Path("/Volumes"), Path("/mnt")]
    drives = [info.parent for root in roots if root.is_dir() for info in root.glob("**/INFO_UF2.TXT")
              if len(info.relative_to(root).parts) <= 3]
    if len(drives) != 1:
        found = ", ".join(map(str, drives)) or "none"
        raise FlashError(f"need exactly one mounted UF2 boot drive (RPI-RP2), found: {found}; "
                         "give its mount point with --port")
    return drives[0]


def _flash_emulator(project, elf: Path, gdb_address: str | None, env: str | None) -> FlashResult:
    """Into a running QEMU's GDB server (--port HOST:PORT), or into a fresh one that is then
    checked for the firmware's identity line and stopped."""
    from toolchain.flash.emulator import gdb_load, gdb_server_address, start_emulator_via_gdb

    if gdb_address and gdb_address != "auto":
        address = gdb_server_address(gdb_address)
        return FlashResult("emulator", address, elf, gdb_load(elf, address, project.board.cpu.family))
    from hil.dut import Dut

    flashed = start_emulator_via_gdb(project, "qemu", env=env)
    try:
        identity = Dut(flashed.link).expect_line(r"^TL-IDENTITY .*", timeout=30).group(0)
    finally:
        flashed.stop()
    return FlashResult("emulator", "QEMU GDB server", elf, f"{_load_summary(flashed.gdb_output)}; booted: {identity}")


def _load_summary(gdb_output: str) -> str:
    for line in gdb_output.splitlines():
        if line.startswith("Transfer rate"):
            return line.strip()
    return "loaded"
