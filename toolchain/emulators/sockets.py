"""Local TCP ports for emulator UARTs and debug servers: pick one, and wait until it listens.

Readiness is read from the kernel's socket tables, never probed by connecting: an emulator's
UART socket hands its first bytes (or, with QEMU's wait=on, the guest's start) to whoever
connects first.
"""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Callable

_TCP_LISTEN = "0A"  # state column of /proc/net/tcp{,6}


def free_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_listening(port: int) -> bool:
    """True if some local socket listens on TCP `port` (Linux /proc/net/tcp and tcp6)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            columns = row.split()
            local, state = columns[1], columns[3]
            if state == _TCP_LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                return True
    return False


def wait_until_listening(port: int, process: subprocess.Popen, timeout: float,
                         fail: Callable[[str], Exception], poll_seconds: float = 0.05) -> None:
    """Returns once `port` listens; raises `fail(reason)` if `process` exits or `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while not is_listening(port):
        if process.poll() is not None:
            raise fail(f"exited with code {process.returncode} before port {port} was listening")
        if time.monotonic() >= deadline:
            raise fail(f"did not listen on port {port} within {timeout:.0f} s")
        time.sleep(poll_seconds)
