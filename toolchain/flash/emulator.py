"""`flash --method emulator`: the ELF goes into a QEMU started empty and paused (`-S`), through
QEMU's GDB server, exactly as a debug probe would write a board's flash; then the core is reset
(it fetches SP/PC from the freshly written vector table) and runs. This is the CI stand-in for
flashing real hardware."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from toolchain.emulators.qemu import QemuError, QemuSession, qemu_command
from toolchain.emulators.sockets import free_local_port, wait_until_listening
from toolchain.errors import ToolchainError

GDB_CANDIDATES = {"arm": ("arm-none-eabi-gdb", "gdb-multiarch"), "riscv": ("riscv64-unknown-elf-gdb", "gdb-multiarch")}


class EmulatorFlashError(ToolchainError):
    """No GDB for the core, or GDB could not load the ELF into the emulator."""


def find_gdb(family: str) -> str:
    for name in GDB_CANDIDATES.get(family, ("gdb-multiarch",)):
        path = shutil.which(name)
        if path:
            return path
    raise EmulatorFlashError(f"no GDB for {family} found ({' or '.join(GDB_CANDIDATES.get(family, ('gdb-multiarch',)))});"
                             " install gdb-multiarch (scripts/setup.sh does)")


def gdb_server_address(text: str) -> str:
    """`HOST:PORT`, `tcp:HOST:PORT`, `tcp::PORT` or a bare port (on 127.0.0.1) -> `HOST:PORT`."""
    address = text.removeprefix("tcp:").removeprefix(":")
    if address.isdigit():
        address = f"127.0.0.1:{address}"
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise EmulatorFlashError(f"{text!r} is not a GDB server address (HOST:PORT, or a port number on 127.0.0.1)")
    return address


def gdb_load(elf: Path, gdb_address: str, family: str, timeout: float = 60.0) -> str:
    """Loads `elf` through the GDB server at host:port, resets the core and lets it run.
    Returns GDB's output (sections and bytes written)."""
    # No retrying a refused connection: the callers wait for the server to listen first.
    command = [find_gdb(family), "-nx", "-batch", "-ex", "set confirm off", "-ex", "set tcp auto-retry off",
               "-ex", f"target remote {gdb_address}", "-ex", "load", "-ex", "monitor system_reset", "-ex", "detach",
               str(elf)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise EmulatorFlashError(f"GDB did not finish loading {elf.name} into {gdb_address} within {timeout:.0f} s") from None
    output = result.stdout + result.stderr
    if result.returncode != 0 or "Start address" not in output or "Transfer rate" not in output:
        raise EmulatorFlashError(f"GDB could not load {elf.name} into {gdb_address}: {_first_complaint(output)}")
    return output


def _first_complaint(gdb_output: str) -> str:
    """GDB goes on after a failed `target remote` and complains about every later command; the
    first line names the cause (e.g. `127.0.0.1:1: Connection refused.`)."""
    lines = [line.strip() for line in gdb_output.splitlines() if line.strip()]
    return lines[0] if lines else "no output"


def start_paused_qemu(board, elf: Path, *, startup_timeout: float = 20.0) -> tuple[QemuSession, str]:
    """QEMU with no program, paused, GDB server on a free port and the UART on a socket
    (`wait=on`: connect the UART before loading). Returns the session and the GDB address."""
    uart_port, gdb_port = free_local_port(), free_local_port()
    command = qemu_command(board, elf, uart_port)
    command = command[:command.index("-kernel")] + ["-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"]
    if shutil.which(command[0]) is None:
        raise QemuError(f"{command[0]} not found on PATH (apt-get install qemu-system-arm qemu-system-misc)")
    log_path = Path(tempfile.mkdtemp(prefix="tinylarge-qemu-gdb-")) / "qemu.log"
    log_file = open(log_path, "wb")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
    session = QemuSession(process, uart_port, log_path, command, log_file)
    try:
        wait_until_listening(uart_port, process, startup_timeout, lambda why: QemuError(
            f"QEMU's UART socket: QEMU {why}: {session.log_text().strip()[-400:]}"))
    except BaseException:
        session.stop()
        raise
    return session, f"127.0.0.1:{gdb_port}"


def wait_for_gdb_server(session: QemuSession, address: str, timeout: float = 20.0) -> None:
    """QEMU opens its GDB server only after the UART client has connected (wait=on)."""
    port = int(address.rsplit(":", 1)[1])
    wait_until_listening(port, session.process, timeout, lambda why: QemuError(
        f"QEMU's GDB server on {address}: QEMU {why}: {session.log_text().strip()[-400:]}"))


class FlashedEmulator:
    """A QEMU the ELF was loaded into through GDB; `link` is its open UART. Same shape as the
    emulator sessions (`url`, `stop()`)."""

    def __init__(self, session: QemuSession, link, gdb_output: str) -> None:
        self.session, self.link, self.gdb_output = session, link, gdb_output

    @property
    def url(self) -> str:
        return self.session.url

    def stop(self) -> None:
        self.link.close()
        self.session.stop()


def start_emulator_via_gdb(project, emulator: str = "qemu", env: str | None = None) -> FlashedEmulator:
    """Starts the board's QEMU empty, connects the UART, loads the project's ELF through GDB."""
    from hil.link import open_link

    if emulator != "qemu":
        raise EmulatorFlashError(f"flashing through GDB is implemented for QEMU; {emulator} loads the ELF "
                                 "from its own script (run without --flash)")
    elf = project.elf_path(env)
    if not elf.is_file():
        raise EmulatorFlashError(f"firmware ELF {elf} does not exist (run `tinylarge build` first)")
    session, gdb_address = start_paused_qemu(project.board, elf)
    try:
        link = open_link(session.url)
        try:
            wait_for_gdb_server(session, gdb_address)
            output = gdb_load(elf, gdb_address, project.board.cpu.family)
        except BaseException:
            link.close()
            raise
    except BaseException:
        session.stop()
        raise
    return FlashedEmulator(session, link, output)
