"""Flash methods: each turns (project, board, port) into the command a board's `[flash]` table
asks for. Tools are found on PATH (or as Python modules in this environment); a missing tool is a
clear error naming how to get it."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from toolchain.errors import ToolchainError

# Where the second-stage bootloader goes, per ESP chip (fixed by the chips' boot ROMs).
ESP_BOOTLOADER_OFFSET = {"esp32": 0x1000, "esp32s2": 0x1000, "esp32s3": 0x0, "esp32c3": 0x0, "esp32c6": 0x0}


class FlashError(ToolchainError):
    """The flash tool is missing, the board file lacks its parameters, or flashing failed."""


@dataclass(frozen=True)
class FlashPlan:
    method: str
    command: list[str] | None  # None for a file copy (uf2)
    description: str


def _tool(name: str, module: str | None, hint: str) -> list[str]:
    path = shutil.which(name)
    if path:
        return [path]
    if module:
        import importlib.util

        if importlib.util.find_spec(module) is not None:
            return [sys.executable, "-m", module]
    raise FlashError(f"{name} not found: {hint}")


def _need(value: str, field: str, board) -> str:
    if not value:
        raise FlashError(f"board {board.id} has no [flash] {field} in its board file")
    return value


# Debug-probe methods an offline (bare-metal) env can upload with, in the board file's order.
PROBE_METHODS = ("openocd", "pyocd")


def probe_method(board) -> str | None:
    """The first debug-probe method in the board's [flash] list (what an offline env uploads with)."""
    return next((m for m in board.flash.methods if m in PROBE_METHODS), None)


def pio_upload_command(board) -> str:
    """platformio.ini `upload_command` of an offline hardware env: the board's probe method, with
    PlatformIO's $SOURCE for the ELF ("" when the board lists no probe method)."""
    method = probe_method(board)
    if method == "openocd":
        return (f"openocd -f {_need(board.flash.openocd_interface, 'openocd_interface', board)} "
                f"-f {_need(board.flash.openocd_target, 'openocd_target', board)} "
                '-c "program $SOURCE verify reset exit"')
    if method == "pyocd":
        return f"pyocd flash -t {_need(board.flash.pyocd_target, 'pyocd_target', board)} $SOURCE"
    return ""


def pio_plan(project, env: str, port: str | None) -> FlashPlan:
    command = [sys.executable, "-m", "platformio", "run", "-d", str(project.directory), "-e", env, "-t", "upload"]
    if port:
        command += ["--upload-port", port]
    return FlashPlan("pio", command, f"PlatformIO upload of env {env}")


def openocd_plan(project, elf: Path, board) -> FlashPlan:
    interface = _need(board.flash.openocd_interface, "openocd_interface", board)
    target = _need(board.flash.openocd_target, "openocd_target", board)
    command = _tool("openocd", None, "apt-get install openocd") + [
        "-f", interface, "-f", target, "-c", f"program {elf} verify reset exit"]
    return FlashPlan("openocd", command, f"openocd {interface} + {target}")


def pyocd_plan(project, elf: Path, board) -> FlashPlan:
    target = _need(board.flash.pyocd_target, "pyocd_target", board)
    command = _tool("pyocd", "pyocd", "pip install pyocd") + ["flash", "-t", target, str(elf)]
    return FlashPlan("pyocd", command, f"pyocd target {target}")


def esptool_plan(project, elf: Path, board, port: str) -> FlashPlan:
    chip = _need(board.flash.esptool_chip, "esptool_chip", board)
    build = elf.parent
    app = build / "firmware.bin"
    if not app.is_file():
        raise FlashError(f"{app} does not exist (run `tinylarge build` for this env first)")
    images = []
    if (build / "bootloader.bin").is_file():
        images += [hex(ESP_BOOTLOADER_OFFSET.get(chip.replace("-", ""), 0x1000)), str(build / "bootloader.bin")]
    if (build / "partitions.bin").is_file():
        images += ["0x8000", str(build / "partitions.bin")]
    images += ["0x10000", str(app)]
    command = _tool("esptool.py", "esptool", "pip install esptool") + [
        "--chip", chip, "--port", port, "--baud", "460800", "write_flash", *images]
    return FlashPlan("esptool", command, f"esptool {chip} on {port}")


def run_plan(plan: FlashPlan, env: dict | None = None, timeout: float = 600.0) -> str:
    try:
        result = subprocess.run(plan.command, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FlashError(f"{plan.description}: no result within {timeout:.0f} s") from None
    except OSError as exc:
        raise FlashError(f"{plan.description}: cannot run {plan.command[0]} ({exc.strerror})") from None
    output = (result.stdout or "") + (result.stderr or "")
    if result.returncode != 0:
        raise FlashError(f"{plan.description} failed (exit {result.returncode}): {failure_cause(output)}")
    return output


# PlatformIO's closing summary and SCons' echo of the failed target: they never name the cause.
_SUMMARY = re.compile(r"^(=+.*|-[-\s]*|\*\*\*.*|Environment\s+Status\s+Duration|\S+\s+(FAILED|SUCCESS|IGNORED)\s+.*)$")
_COMPLAINT = re.compile(r"error|not found|failed|cannot|can't|unable|no such|refused|denied|timed? ?out", re.I)


def failure_cause(output: str) -> str:
    """The line of a tool's output that names why it failed: the first complaint before
    PlatformIO's summary table, else the last line that is not part of that table."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not _SUMMARY.match(line.strip())]
    return next((line for line in lines if _COMPLAINT.search(line)), lines[-1] if lines else "no output")
