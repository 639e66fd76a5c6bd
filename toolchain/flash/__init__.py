"""Flashing a built project onto its board: `flash_project(dir, method=None, port=None)`.

Methods come from the board file's `[flash]` table (first listed is the default): `pio` (PlatformIO
upload), `openocd` (ST-Link / CMSIS-DAP), `pyocd`, `esptool` (ESP32), `uf2` (copy to the RP2040's
boot drive), `emulator` (QEMU through its GDB server). Ports: `auto` finds the board by USB VID:PID.

An emulator build (env marked `emulator`, or an ELF that loads outside the board's flash) is
never written to hardware. An offline (bare-metal) env has no PlatformIO upload of its own to
lean on: `pio` there means the board's debug-probe method (openocd / pyocd), run directly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from toolchain.flash.methods import (FlashError, esptool_plan, openocd_plan, pio_plan, probe_method, pyocd_plan,
                                     run_plan)
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
    environment = project.env(env)
    method = method or board.flash.methods[0]
    if method not in board.flash.methods:
        raise FlashError(f"board {board.id} does not flash with {method!r}; its methods: {', '.join(board.flash.methods)}")
    elf = project.directory / environment.elf_path
    if not elf.is_file():
        raise FlashError(f"firmware ELF {elf} does not exist (run `tinylarge build {project.directory} "
                         f"--env {environment.name}` first)")
    if method == "emulator":
        return _flash_emulator(project, elf, port, environment.name)
    refuse_emulator_image(project, environment, elf)
    if method == "pio" and environment.offline:
        method = probe_method(board)
        if method is None:
            raise FlashError(f"env {environment.name} is built offline, and board {board.id} lists no debug-probe "
                             "method (openocd, pyocd) in its [flash] table to upload it with")
    if method == "uf2":
        return _flash_uf2(board, elf, port)
    if method == "pio":
        from toolchain.firmware.build import require_online_platform

        require_online_platform(project, environment, dict(os.environ))
        serial_port = resolve_port(board, port) if port else None
        plan = pio_plan(project, environment.name, serial_port)
        return FlashResult("pio", serial_port or "PlatformIO default", elf, run_plan(plan, env=dict(os.environ)))
    if method in PORT_METHODS:
        serial_port = resolve_port(board, port)
        return FlashResult(method, serial_port, elf, run_plan(esptool_plan(project, elf, board, serial_port)))
    plan = openocd_plan(project, elf, board) if method == "openocd" else pyocd_plan(project, elf, board)
    return FlashResult(method, plan.description, elf, run_plan(plan))


def refuse_emulator_image(project, environment, elf: Path) -> None:
    """Raises FlashError for an image that cannot run on the real board: the env is an emulator
    build, or the ELF loads nothing into the board's flash (e.g. QEMU virt's 0x80000000)."""
    board = project.board
    if environment.emulator:
        hardware = [e.name for e in project.envs if not e.emulator]
        instead = (f"flash a hardware env instead (--env {' or --env '.join(hardware)})" if hardware
                   else "this board has no hardware env")
        raise FlashError(f"env {environment.name} is an emulator build and cannot run on a real {board.id}: {instead}")
    from toolchain.flash.uf2 import elf_segments

    start, end = board.memory.flash_origin, board.memory.flash_origin + board.memory.flash_bytes
    segments = elf_segments(elf)
    if not any(start <= address < end for address, _ in segments):
        loads = ", ".join(f"0x{address:08X}" for address, _ in segments)
        raise FlashError(f"{elf} loads at {loads}, outside {board.id}'s flash (0x{start:08X}-0x{end - 1:08X}): "
                         "not an image for this board, refusing to flash it")


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
