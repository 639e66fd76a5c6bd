"""The Renode suite's expectations against real firmware output, without Renode: the very ELF the
generated disco_f407vg suite loads (its ${ELF}) runs on QEMU's netduinoplus2, an STM32F405 with
the F407's USART block, where USART2 (the Discovery console) is QEMU's second serial port. The
identity pattern and pass line the suite waits for must match what that firmware prints, no
failing string may appear, and a firmware with a wrong reference output prints a line the suite's
failing strings catch."""
from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import pytest
from robot.api import TestSuiteBuilder as RobotSuiteBuilder  # not "Test*": pytest would collect it

from toolchain.emulators.qemu import start_qemu
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


def _console_lines(board, elf: Path, count: int) -> list[str]:
    """The first `count` lines of the console UART, with the project's QEMU runner."""
    with start_qemu(board, elf) as session:
        host, port = re.fullmatch(r"socket://([\d.]+):(\d+)", session.url).groups()
        data = b""
        with socket.create_connection((host, int(port)), timeout=60) as conn:
            while data.count(b"\n") < count:
                chunk = conn.recv(4096)
                assert chunk, "QEMU closed the UART"
                data += chunk
    return data.decode("ascii", errors="replace").splitlines()[:count]


def test_renode_suite_expectations_match_the_firmware_it_loads(disco):
    expected = _suite_expectations(disco.directory / renode_suite_path(disco.board))
    assert expected["elf"] == (disco.directory / disco.env().elf_path).resolve()
    identity, selftest = _console_lines(disco.board, expected["elf"], 2)

    assert re.search(expected["identity"], identity), identity
    assert f"hash={disco.model_hash}" in identity
    assert expected["pass"] in selftest, selftest
    assert not any(f in line for f in expected["failing"] for line in (identity, selftest))


def test_renode_suite_failing_strings_catch_a_real_self_test_failure(disco, tmp_path):
    # A copy whose embedded reference output is off by one in its first byte.
    broken = tmp_path / "broken"
    shutil.copytree(disco.directory, broken, ignore=shutil.ignore_patterns(".pio"))
    data = broken / "src" / "tl_selftest_data.c"
    head, tail = data.read_text().split("selftest_output0", 1)
    first = re.search(r"0x([0-9a-f]{2})", tail)
    data.write_text(f"{head}selftest_output0{tail[:first.start()]}0x{int(first.group(1), 16) ^ 1:02x}"
                    f"{tail[first.end():]}")
    elf = build_project(broken).elf
    expected = _suite_expectations(broken / renode_suite_path(disco.board))
    identity, selftest = _console_lines(disco.board, elf, 2)
    assert re.search(expected["identity"], identity)
    assert selftest.startswith("TL-SELFTEST FAIL ") and "mismatched=1/" in selftest
    assert any(failing in selftest for failing in expected["failing"])
    assert expected["pass"] not in selftest
