"""`tinylarge emulate DIR --emulator qemu` end to end: the printed URL carries the firmware's boot
lines, and Ctrl-C (SIGINT) or SIGTERM stops QEMU with nothing left running."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import pytest

from toolchain.firmware.build import build_project
from toolchain.firmware.project import generate_project

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def netduino_project(tmp_path_factory, models_dir):
    project = generate_project(models_dir / "hello_world_int8.tflite", "qemu_netduinoplus2",
                               tmp_path_factory.mktemp("emulate_qemu") / "fw")
    build_project(project.directory)
    return project


def _read_lines(url: str, wanted: int) -> list[str]:
    """The first `wanted` text lines from the UART socket (the guest starts when we connect)."""
    host, port = re.fullmatch(r"socket://([\d.]+):(\d+)", url).groups()
    data = b""
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        while data.count(b"\n") < wanted:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode("ascii", errors="replace").splitlines()[:wanted]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_emulate_prints_url_boot_lines_arrive_and_signal_stops_qemu(netduino_project, stop_signal):
    process = subprocess.Popen([sys.executable, "-m", "toolchain.cli", "emulate", str(netduino_project.directory),
                                "--emulator", "qemu"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("socket://127.0.0.1:")
        status = process.stderr.readline()
        qemu_pid = int(re.search(r"\(pid (\d+),", status).group(1))
        identity, selftest = _read_lines(url, 2)
        assert identity.startswith(f"TL-IDENTITY board=qemu_netduinoplus2 runtime=")
        assert f" hash={netduino_project.model_hash} " in identity
        assert selftest.startswith("TL-SELFTEST PASS ")

        process.send_signal(stop_signal)
        assert process.wait(timeout=30) == 0
        assert "stopped qemu" in process.stderr.read()
        assert _gone(qemu_pid)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
