"""Run firmware on Renode, headless, with the console UART on a local TCP socket.

`find_renode()` locates Renode (`RENODE` pointing at the binary or its folder, else `renode` on
PATH). `start_renode()` runs the project's generated .resc with `$port` set to a free local port,
waits until Renode listens there, and returns a `RenodeSession` whose `url` is a
`socket://127.0.0.1:PORT` link like the QEMU runner's. Renode's server socket terminal queues
UART output until a client connects, so the boot lines are not lost however late the host comes.
`stop()` always ends Renode and everything it started (own process group: SIGINT, then SIGKILL).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.emulators.sockets import free_local_port, wait_until_listening
from toolchain.errors import ToolchainError

RENODE_ENV = "RENODE"
STARTUP_TIMEOUT_S = 60.0  # mono/.NET start-up plus platform loading (SVD files may be downloaded)
STOP_GRACE_S = 5.0

INSTALL_HINT = (
    "install Renode: download the Linux portable package (renode-VERSION.linux-portable-dotnet.tar.gz "
    "or renode-VERSION.linux-portable.tar.gz) from https://github.com/renode/renode/releases, unpack it "
    f"and put the folder on PATH or set {RENODE_ENV} to it (renode-test also needs "
    "`pip install -r tests/requirements.txt` from that folder); or use the Docker image antmicro/renode"
)


class RenodeError(ToolchainError):
    """Renode is missing, did not start, or the project has no Renode files."""


@dataclass(frozen=True)
class RenodeTools:
    renode: Path
    renode_test: Path | None  # the Robot Framework runner, beside renode in every package


def find_renode(environ: dict[str, str] | None = None) -> RenodeTools:
    """Renode from `RENODE` (binary or folder) or PATH; RenodeError with install steps otherwise."""
    environ = os.environ if environ is None else environ
    configured = environ.get(RENODE_ENV, "")
    if configured:
        where = Path(configured).expanduser()
        binary = where / "renode" if where.is_dir() else where
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise RenodeError(f"{RENODE_ENV}={configured} is not the renode binary or a folder holding it; "
                              + INSTALL_HINT)
        beside = binary.parent / "renode-test"
        return RenodeTools(binary, beside if beside.is_file() else _which("renode-test", environ))
    binary = _which("renode", environ)
    if binary is None:
        raise RenodeError(f"Renode not found (no `renode` on PATH, {RENODE_ENV} not set); " + INSTALL_HINT)
    return RenodeTools(binary, _which("renode-test", environ))


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

    def __enter__(self) -> "RenodeSession":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def renode_command(tools: RenodeTools, script: Path, elf: Path, port: int) -> list[str]:
    """Headless Renode that sets $port and $elf, runs the project's .resc and starts the machine."""
    return [str(tools.renode), "--disable-xwt", "--plain",
            "-e", f"$port={port}",
            "-e", f"$elf=@{_monitor_path(elf)}",
            "-e", f"include @{_monitor_path(script)}",
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
    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="tinylarge-renode-")) / "renode.log"
    log_file = open(log_path, "wb")
    try:
        process = subprocess.Popen(renode_command(tools, script, elf, port), stdin=subprocess.DEVNULL,
                                   stdout=log_file, stderr=subprocess.STDOUT, cwd=script.parent,
                                   start_new_session=True)  # own group: stop() reaches mono/dotnet children
    except OSError as exc:
        log_file.close()
        raise RenodeError(f"cannot run {tools.renode}: {exc.strerror}") from None
    session = RenodeSession(process, port, log_path, log_file)
    try:
        wait_until_listening(port, process, startup_timeout, lambda why: RenodeError(
            f"Renode's UART socket: Renode {why}; log {session.log_path}:\n{session.log_tail()}"),
            poll_seconds=0.1)
    except BaseException:
        session.stop()
        raise
    return session


def _monitor_path(path: Path) -> str:
    # Renode's monitor splits arguments on spaces; a backslash keeps them in a path.
    return str(path).replace(" ", "\\ ")


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
