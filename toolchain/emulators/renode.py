"""Run firmware on Renode, headless, with the console UART on a local TCP socket.

`find_renode()` locates Renode: `RENODE` pointing at the binary or its folder, else the portable
tree `scripts/setup.sh` unpacks into `.tinylarge/renode/` from ../shared/renode, else `renode` on
PATH. `start_renode()` runs the project's generated .resc with `$port` set to a free local port,
waits until Renode listens there, and returns a `RenodeSession` whose `url` is a
`socket://127.0.0.1:PORT` link like the QEMU runner's. Renode's server socket terminal queues
UART output until a client connects, so the boot lines are not lost however late the host comes.
`stop()` always ends Renode and everything it started (own process group: SIGINT, then SIGKILL).

Renode's own instruction counter: a hook on the firmware's `tl_hal_counter` logs
`sysbus.cpu ExecutedInstructions` each time the firmware reads its counter, and the firmware reads
it right before and right after every inference; `RenodeSession.inference_instructions()` turns
those pairs into one exact instruction count per inference, independent of the host's timing.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from toolchain import PROJECT_ROOT
from toolchain.emulators.sockets import free_local_port, wait_until_listening
from toolchain.errors import ToolchainError

RENODE_ENV = "RENODE"
HOME_ENV = "TINYLARGE_RENODE_HOME"  # overrides INSTALLED_DIR, e.g. to point at a shared unpack or at none
# Where scripts/setup.sh unpacks ../shared/renode's portable tarball (not under $TMPDIR: Renode
# deletes $TMPDIR/renode-* folders when it creates a machine).
INSTALLED_DIR = PROJECT_ROOT / ".tinylarge" / "renode"
STARTUP_TIMEOUT_S = 60.0  # mono/.NET start-up plus platform loading
STOP_GRACE_S = 5.0
COUNTER_READ_MARK = "TL-COUNTER-READ"  # the hook's log line: "TL-COUNTER-READ <executed instructions>"
COUNTER_FUNCTION = "tl_hal_counter"  # the firmware reads its counter here before and after each inference
LOG_WAIT_S = 10.0  # Renode's log may trail the UART bytes a little
MONITOR_TIMEOUT_S = 30.0
_PROMPT = re.compile(rb"\r?\n?\r?\([\w.-]+\) $")  # "(monitor) " or "(<machine name>) " at the end
_TELNET_COMMAND = re.compile(rb"\xff[\xfb-\xfe].|\xff[\xf0-\xfa]", re.S)  # IAC WILL/WONT/DO/DONT x, IAC cmd

INSTALL_HINT = (
    "install Renode: with ../shared/renode/renode-1.16.1-mono-portable.tar.xz beside the project, "
    "`scripts/setup.sh` installs its Mono runtime and unpacks it into .tinylarge/renode; otherwise "
    "download a Linux portable package (renode-VERSION.linux-portable-dotnet.tar.gz or "
    "renode-VERSION.linux-portable.tar.gz) from https://github.com/renode/renode/releases, unpack it "
    f"outside /tmp and put the folder on PATH or set {RENODE_ENV} to it (renode-test also needs "
    "`pip install -e '.[renode]'`, the pins of its tests/requirements.txt)"
)


class RenodeError(ToolchainError):
    """Renode is missing, did not start, or the project has no Renode files."""


@dataclass(frozen=True)
class RenodeTools:
    renode: Path
    renode_test: Path | None  # the Robot Framework runner, beside renode in every package


def find_renode(environ: dict[str, str] | None = None, installed_dir: Path | None = None) -> RenodeTools:
    """Renode from `RENODE` (binary or folder), the tree setup unpacked into `installed_dir`
    (default: $TINYLARGE_RENODE_HOME or INSTALLED_DIR), or PATH; RenodeError with install steps otherwise."""
    environ = os.environ if environ is None else environ
    if installed_dir is None:
        installed_dir = Path(environ.get(HOME_ENV) or INSTALLED_DIR)
    configured = environ.get(RENODE_ENV, "")
    if configured:
        where = Path(configured).expanduser()
        binary = where / "renode" if where.is_dir() else where
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise RenodeError(f"{RENODE_ENV}={configured} is not the renode binary or a folder holding it; "
                              + INSTALL_HINT)
        beside = binary.parent / "renode-test"
        return RenodeTools(binary, beside if beside.is_file() else _which("renode-test", environ))
    unpacked = _unpacked_renode(installed_dir)
    if unpacked is not None:
        return RenodeTools(unpacked, unpacked.with_name("renode-test"))
    binary = _which("renode", environ)
    if binary is None:
        raise RenodeError(f"Renode not found (no `renode` on PATH or in {installed_dir}, {RENODE_ENV} not set); "
                          + INSTALL_HINT)
    return RenodeTools(binary, _which("renode-test", environ))


def _unpacked_renode(installed_dir: Path) -> Path | None:
    """The last (by name) renode-*/renode that setup unpacked, with its renode-test beside it."""
    found = [binary for binary in sorted(Path(installed_dir).glob("renode-*/renode"))
             if os.access(binary, os.X_OK) and binary.with_name("renode-test").is_file()]
    return found[-1] if found else None


def renode_test_command(tools: RenodeTools, suite: Path, results_dir: Path) -> list[str]:
    if tools.renode_test is None:
        raise RenodeError(f"renode-test not found beside {tools.renode}; " + INSTALL_HINT)
    return [str(tools.renode_test), "-r", str(results_dir), str(suite)]


def renode_test_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """renode-test runs `python3` from PATH: put this interpreter's folder (the project venv, which
    holds the `renode` extra's Robot Framework pins) first."""
    environ = dict(os.environ if environ is None else environ)
    environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", os.defpath)])
    return environ


def run_renode_test(suite: Path, results_dir: Path, *, tools: RenodeTools | None = None,
                    timeout: float = 1800.0) -> subprocess.CompletedProcess:
    """Runs a Robot suite with renode-test; results (robot_output.xml, log.html) go to `results_dir`."""
    tools = tools or find_renode()
    return subprocess.run(renode_test_command(tools, suite, results_dir), capture_output=True, text=True,
                          timeout=timeout, env=renode_test_environment(), stdin=subprocess.DEVNULL)


def _which(name: str, environ) -> Path | None:
    found = shutil.which(name, path=environ.get("PATH", os.defpath))
    return Path(found) if found else None


@dataclass
class RenodeSession:
    """A running Renode; `url` is the console UART. Use as a context manager or call stop()."""

    process: subprocess.Popen
    port: int
    log_path: Path
    _log_file: object = field(repr=False, default=None)
    monitor_port: int = 0

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Ends Renode and its children; safe to call more than once."""
        try:
            if self.process.poll() is None:
                _signal_group(self.process, signal.SIGINT)  # Renode closes its sockets and exits
                try:
                    self.process.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    pass
            _signal_group(self.process, signal.SIGKILL)  # whatever of the group is left
            self.process.wait()
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def monitor(self, command: str, timeout: float = MONITOR_TIMEOUT_S) -> str:
        """Runs one command in Renode's monitor (telnet on `monitor_port`); returns what it printed."""
        with socket.create_connection(("127.0.0.1", self.monitor_port), timeout=timeout) as connection:
            connection.sendall(command.encode() + b"\n")
            # Banner and prompts first (telnet negotiation, the start-up commands), then the echo.
            answer = _read_to_prompt(connection, after=command.encode())
        return "\n".join(line.strip() for line in answer.splitlines()).strip()

    def reset_machine(self) -> None:
        """Resets the board as its reset button would: the firmware boots again from the ELF the
        .resc's reset macro loads, and the UART socket stays connected."""
        self.monitor("machine Reset")

    def counter_reads(self) -> list[int]:
        """Renode's executed-instruction count at each of the firmware's counter reads so far."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [int(n) for n in re.findall(rf"{COUNTER_READ_MARK} (\d+)", text)]

    def inference_instructions(self, inferences: int) -> list[int]:
        """Instructions Renode executed in each of the last `inferences` inferences (between the
        firmware's two counter reads), waiting briefly for the log to catch up."""
        deadline = time.monotonic() + LOG_WAIT_S
        while True:
            reads = self.counter_reads()
            if len(reads) % 2 == 0 and len(reads) >= 2 * inferences:
                break
            if time.monotonic() > deadline:
                raise RenodeError(f"Renode logged {len(reads)} counter reads, expected at least "
                                  f"{2 * inferences} ({self.log_path})")
            time.sleep(0.05)
        pairs = [reads[i + 1] - reads[i] for i in range(0, len(reads), 2)]
        return pairs[len(pairs) - inferences:] if inferences else []

    def __enter__(self) -> "RenodeSession":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def renode_command(tools: RenodeTools, script: Path, elf: Path, port: int, monitor_port: int) -> list[str]:
    """Headless Renode (its monitor on `monitor_port`) that sets $port and $elf, runs the project's
    .resc, logs the executed instructions at each counter read, and starts the machine."""
    hook = f"self.Log(LogLevel.Info, '{COUNTER_READ_MARK} %d' % self.ExecutedInstructions)"
    return [str(tools.renode), "--disable-xwt", "--plain", "-P", str(monitor_port),
            "-e", f"$port={port}",
            "-e", f"$elf=@{_monitor_path(elf)}",
            "-e", f"include @{_monitor_path(script)}",
            "-e", f'sysbus.cpu AddHook `sysbus GetSymbolAddress "{COUNTER_FUNCTION}"` "{hook}"',
            "-e", "start"]


def start_renode(script: Path, elf: Path, *, port: int | None = None, log_path: Path | None = None,
                 tools: RenodeTools | None = None, startup_timeout: float = STARTUP_TIMEOUT_S) -> RenodeSession:
    """Starts Renode on `script` (a generated .resc) with `elf`; returns once the UART socket listens."""
    tools = tools or find_renode()
    script, elf = Path(script).resolve(), Path(elf).resolve()
    for what, path in (("Renode script", script), ("firmware ELF", elf)):
        if not path.is_file():
            raise RenodeError(f"{what} {path} does not exist (run `tinylarge generate` / `tinylarge build` first)")
    port = port or free_local_port()
    monitor_port = free_local_port()
    while monitor_port == port:  # both probes closed: the kernel may hand out the same port twice
        monitor_port = free_local_port()
    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="tinylarge-renode-")) / "renode.log"
    log_file = open(log_path, "wb")
    try:
        process = subprocess.Popen(renode_command(tools, script, elf, port, monitor_port), stdin=subprocess.DEVNULL,
                                   stdout=log_file, stderr=subprocess.STDOUT, cwd=script.parent,
                                   start_new_session=True)  # own group: stop() reaches mono/dotnet children
    except OSError as exc:
        log_file.close()
        raise RenodeError(f"cannot run {tools.renode}: {exc.strerror}") from None
    session = RenodeSession(process, port, log_path, log_file, monitor_port)
    try:
        wait_until_listening(port, process, startup_timeout, lambda why: RenodeError(
            f"Renode's UART socket: Renode {why}; log {session.log_path}:\n{session.log_tail()}"),
            poll_seconds=0.1)
    except BaseException:
        session.stop()
        raise
    return session


def _read_to_prompt(connection: socket.socket, after: bytes) -> str:
    """What the monitor printed between its echo of `after` and the next prompt (e.g.
    "(disco_f407vg) "), telnet commands left out."""
    received = b""
    while True:
        echo = received.rfind(after)
        if echo >= 0 and _PROMPT.search(received, echo + len(after)):
            break
        chunk = connection.recv(4096)
        if not chunk:
            raise RenodeError(f"Renode's monitor closed the connection; it printed {received!r}")
        received += chunk
    answer = _PROMPT.sub(b"", received[echo + len(after):])
    return _TELNET_COMMAND.sub(b"", answer).decode("utf-8", errors="replace")


def _monitor_path(path: Path) -> str:
    # Renode's monitor splits arguments on spaces; a backslash keeps them in a path.
    return str(path).replace(" ", "\\ ")


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
