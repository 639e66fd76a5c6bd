"""Run firmware on QEMU, headless, with the console UART on a local TCP socket.

`start_qemu(board, elf)` starts `qemu-system-*` for the board's machine (`[emulators.qemu]`) with
`-icount shift=0` (one instruction = 1 ns of virtual time: the firmware's SysTick/minstret
counter then counts instructions, repeatably), semihosting on (the firmware's tl_hal_exit ends
QEMU with its code) and the UART as `-serial tcp:127.0.0.1:PORT,server=on,wait=on`: the guest
starts only when a client connects to `session.url`, so no boot byte is lost. The session's
`stop()` always kills QEMU; it is also a context manager.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.boards import Board
from toolchain.emulators.sockets import free_local_port, wait_until_listening
from toolchain.errors import BoardError, ToolchainError

STARTUP_TIMEOUT_S = 20.0


class QemuError(ToolchainError):
    """QEMU is missing, or did not start for this board and ELF."""


@dataclass
class QemuSession:
    """A running QEMU; `url` is the console UART (pyserial `serial_for_url`)."""

    process: subprocess.Popen
    port: int
    log_path: Path  # QEMU's own messages and the guest's semihosting output
    command: list[str]
    _log_file: object = field(repr=False, default=None)

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        """Waits for the guest to end (semihosting exit); returns QEMU's exit code."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise QemuError(f"QEMU (pid {self.pid}) still running after {timeout} s") from None

    def stop(self) -> None:
        """Kills QEMU; safe to call more than once."""
        try:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> "QemuSession":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def qemu_command(board: Board, elf: Path, port: int) -> list[str]:
    emulator = board.emulators.qemu
    if emulator is None:
        raise BoardError(f"board {board.id!r} has no QEMU machine (no [emulators.qemu] in its board file)")
    # UARTs before the console's get no backend; the console's goes to the socket, with Nagle off so
    # each protocol frame leaves at once instead of waiting for the host's delayed ACK.
    console = f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on"
    serials = ["-serial", "null"] * emulator.serial_index + ["-serial", console]
    command = [emulator.binary, "-M", emulator.machine, "-nographic", "-monitor", "none", *serials,
               "-icount", "shift=0", "-semihosting-config", "enable=on,target=native"]
    if board.cpu.family == "riscv":
        command += ["-bios", "none"]  # bare metal at the start of RAM, no OpenSBI
    return command + ["-kernel", str(elf)]


def start_qemu(board: Board, elf: str | Path, *, port: int | None = None, log_path: Path | None = None,
               startup_timeout: float = STARTUP_TIMEOUT_S) -> QemuSession:
    """Starts QEMU for `board` running `elf`; returns once the UART socket listens (the guest
    starts when the first client connects to `session.url`)."""
    elf = Path(elf).resolve()
    if not elf.is_file():
        raise QemuError(f"firmware ELF {elf} does not exist (run `tinylarge build` first)")
    port = port or free_local_port()
    command = qemu_command(board, elf, port)
    if shutil.which(command[0]) is None:
        raise QemuError(f"{command[0]} not found on PATH (apt-get install qemu-system-arm qemu-system-misc)")
    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="tinylarge-qemu-")) / "qemu.log"
    log_file = open(log_path, "wb")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
    session = QemuSession(process, port, log_path, command, log_file)
    try:
        wait_until_listening(port, process, startup_timeout, lambda why: QemuError(
            f"QEMU's UART socket: QEMU {why}: {session.log_text().strip()[-500:]}"))
    except BaseException:
        session.stop()
        raise
    return session
