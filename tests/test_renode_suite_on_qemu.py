"""The Renode suite's expectations against real firmware output, without Renode: the very ELF the
generated disco_f407vg suite loads (its ${ELF}) runs on QEMU's netduinoplus2, an STM32F405 with
the F407's USART block, where USART2 (the Discovery console) is QEMU's second serial port. The
identity pattern and pass line the suite waits for must match what that firmware prints, and no
failing string may appear."""
from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import pytest
from robot.api import TestSuiteBuilder as RobotSuiteBuilder  # not "Test*": pytest would collect it

from toolchain.emulators.renode import free_local_port, is_listening
from toolchain.emulators.renode_files import renode_suite_path
from toolchain.firmware.build import build_project
from toolchain.firmware.project import generate_project

pytestmark = pytest.mark.qemu
BOARD = "disco_f407vg"


@pytest.fixture(scope="module")
def disco(tmp_path_factory, models_dir):
    project = generate_project(models_dir / "kws_ref_model.tflite", BOARD,
                               tmp_path_factory.mktemp("renode_suite_qemu") / "fw")
    build_project(project.directory)
    return project


def _suite_expectations(suite_path: Path) -> dict:
    suite = RobotSuiteBuilder().build(str(suite_path))
    variables = {v.name: v.value[0] for v in suite.resource.variables}
    steps = [(k.name, k.args) for k in suite.tests[0].body]
    waits = [args for name, args in steps if name == "Wait For Line On Uart"]
    return {"elf": Path(variables["${ELF}"]).resolve(),
            "identity": waits[0][0], "pass": waits[1][0],
            "failing": [args[0] for name, args in steps if name == "Register Failing Uart String"]}


def _console_lines(elf: Path, serial_index: int, count: int) -> list[str]:
    port = free_local_port()
    serials = ["-serial", "null"] * serial_index + ["-serial", f"tcp:127.0.0.1:{port},server=on,wait=on"]
    qemu = subprocess.Popen(["qemu-system-arm", "-M", "netduinoplus2", "-nographic", "-monitor", "none",
                             *serials, "-icount", "shift=0", "-kernel", str(elf)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not is_listening(port):
            assert qemu.poll() is None, qemu.stderr.read()
            time.sleep(0.05)
        data = b""
        with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
            while data.count(b"\n") < count:
                chunk = conn.recv(4096)
                assert chunk, "QEMU closed the UART"
                data += chunk
        return data.decode("ascii", errors="replace").splitlines()[:count]
    finally:
        qemu.kill()
        qemu.wait()


def test_renode_suite_expectations_match_the_firmware_it_loads(disco):
    expected = _suite_expectations(disco.directory / renode_suite_path(disco.board))
    assert expected["elf"] == (disco.directory / disco.env().elf_path).resolve()
    # QEMU's STM32F405 wires serial port N to USART(N+1).
    usart = int(re.fullmatch(r"USART(\d)", disco.board.console.instance).group(1))
    identity, selftest = _console_lines(expected["elf"], usart - 1, 2)

    assert re.search(expected["identity"], identity), identity
    assert f"hash={disco.model_hash}" in identity
    assert expected["pass"] in selftest, selftest
    assert not any(f in line for f in expected["failing"] for line in (identity, selftest))
