"""On real Renode, for every board whose board file has [emulators.renode]: the generated Robot
suite passes under renode-test (and fails fast on a wrong self-test), a HIL inference over
Renode's UART socket equals TFLM, `tinylarge hil run --emulator renode` is bit-exact and reports
Renode's own instruction count per inference (the same on a second run), and a HIL run through
flipped/dropped bytes, a Renode restart and a board reset loses and duplicates nothing.

Renode comes from scripts/setup.sh (../shared/renode unpacked into .tinylarge/renode), RENODE= or
PATH; missing, these tests fail in CI and skip elsewhere (tests/conftest.py `require`). Firmware is
built once per board for the session."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hil.dut import Dut
from hil.link import open_link
from hil.proxy import FaultModel
from tests.conftest import require
from tests.hil_support import run_through_faults
from toolchain.boards import load_catalog
from toolchain.emulators.launch import start_emulator
from toolchain.emulators.renode import RenodeError, find_renode, run_renode_test
from toolchain.emulators.renode_files import renode_suite_path
from toolchain.firmware.build import build_project
from toolchain.firmware.project import generate_project, load_project
from toolchain.reference import reference_outputs

RENODE_BOARDS = sorted(board.id for board in load_catalog().values() if board.emulators.renode is not None)
MODEL = "hello_world_int8"
pytestmark = pytest.mark.renode


def _renode_tools():
    try:
        return find_renode()
    except RenodeError:
        return None


@pytest.fixture(scope="session")
def renode_tools():
    tools = _renode_tools()
    require(tools is not None and tools.renode_test is not None,
            "Renode not installed: run scripts/setup.sh with ../shared/renode present, or put `renode` and "
            "`renode-test` on PATH / set RENODE=<folder> (docs/renode.md)")
    return tools


class RenodeBuilds:
    def __init__(self, root: Path, models_dir: Path) -> None:
        self.root, self.models_dir, self.done = root, models_dir, {}

    def project(self, board: str):
        if board not in self.done:
            project = generate_project(self.models_dir / f"{MODEL}.tflite", board, self.root / board)
            build_project(project.directory)
            self.done[board] = load_project(project.directory)
        return self.done[board]


@pytest.fixture(scope="session")
def renode_builds(tmp_path_factory, models_dir, renode_tools) -> RenodeBuilds:
    return RenodeBuilds(tmp_path_factory.mktemp("renode_firmware"), models_dir)


def test_every_renode_board_is_covered():
    assert RENODE_BOARDS == ["disco_f407vg", "nano33ble", "nrf52840_dk", "nucleo_h743zi"]


@pytest.mark.parametrize("board", RENODE_BOARDS)
def test_generated_robot_suite_passes(renode_builds, renode_tools, board, tmp_path):
    project = renode_builds.project(board)
    run = run_renode_test(project.directory / renode_suite_path(project.board), tmp_path / "results",
                          tools=renode_tools)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = (tmp_path / "results" / "robot_output.xml").read_text(errors="replace")
    assert re.search(r'<stat pass="1" fail="0" skip="0">All Tests</stat>', report), report[-2000:]


@pytest.mark.parametrize("board", RENODE_BOARDS)
def test_robot_suite_fails_on_the_self_test_failure_line(renode_builds, renode_tools, board, tmp_path):
    # A copy whose embedded reference output is off by one in its first byte: the firmware prints
    # TL-SELFTEST FAIL and the registered failing string ends the test.
    project = renode_builds.project(board)
    broken = tmp_path / "broken"
    shutil.copytree(project.directory, broken, ignore=shutil.ignore_patterns(".pio"))
    data = broken / "src" / "tl_selftest_data.c"
    text = data.read_text()
    head, tail = text.split("selftest_output0", 1)
    first = re.search(r"0x([0-9a-f]{2})", tail)
    flipped = f"0x{int(first.group(1), 16) ^ 1:02x}"
    data.write_text(head + "selftest_output0" + tail[:first.start()] + flipped + tail[first.end():])
    build_project(broken)
    run = run_renode_test(broken / renode_suite_path(project.board), tmp_path / "results", tools=renode_tools)
    assert run.returncode != 0
    report = (tmp_path / "results" / "robot_output.xml").read_text(errors="replace")
    assert "Test failing entry has been found on UART" in report and "TL-SELFTEST FAIL" in report


@pytest.mark.parametrize("board", RENODE_BOARDS)
def test_hil_over_renode_socket_matches_tflm(renode_builds, board):
    project = renode_builds.project(board)
    sample = np.random.default_rng(6).integers(-128, 128, size=(1, 1), dtype=np.int8)
    with start_emulator(project, "renode") as session, open_link(session.url) as link:
        dut = Dut(link)
        assert dut.expect_line(r"^TL-SELFTEST PASS ", timeout=120.0)
        identity = dut.identity()
        result = dut.infer([sample])
    assert (identity.board, identity.model_hash) == (board, project.model_hash)
    np.testing.assert_array_equal(result.outputs[0], reference_outputs(project.model_path, [sample[None]])[0][0])


def _hil_run_json(directory: Path) -> dict:
    run = subprocess.run([sys.executable, "-m", "toolchain.cli", "hil", "run", str(directory),
                          "--emulator", "renode", "--samples", "20", "--json"], capture_output=True, text=True,
                         timeout=600, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("board", RENODE_BOARDS)
def test_hil_run_cli_is_bit_exact_and_counts_renode_instructions(renode_builds, board):
    project = renode_builds.project(board)
    first, second = _hil_run_json(project.directory), _hil_run_json(project.directory)
    for report in (first, second):
        assert (report["samples"], report["exact_match_rate"], report["lost"], report["duplicated"]) == (20, 1.0, 0, 0)
        assert report["device"]["board"] == board and report["device"]["model_hash"] == project.model_hash
        counted = report["emulator_instructions"]
        assert counted["emulator"] == "renode" and len(counted["per_sample"]) == 20
        assert all(isinstance(n, int) and n > 0 for n in counted["per_sample"]), counted
    # Same firmware, same seeded inputs: Renode executes exactly the same instructions.
    assert first["emulator_instructions"] == second["emulator_instructions"]


@pytest.mark.parametrize("board", RENODE_BOARDS)
def test_faults_renode_restart_and_board_reset_lose_and_duplicate_nothing(renode_builds, board):
    """1 byte in 200 flipped or dropped each way; after result 15 Renode is killed and started again,
    after result 40 the board is reset through Renode's monitor (`machine Reset`: the UART socket
    stays connected and the firmware boots again)."""
    project = renode_builds.project(board)

    def restart_then_reset(emulators, index):
        if index == 15:
            emulators.restart()
        else:
            emulators.sessions[-1].reset_machine()

    run = run_through_faults(project, lambda: start_emulator(project, "renode"),
                             faults=FaultModel(0.005, 0.005, seed=5), disturb=restart_then_reset)
    report, dut = run.report, run.dut
    assert len(run.sessions) == 2
    assert report.agreement.exact_samples == 60 and (report.lost, report.duplicated) == (0, 0), report.to_json()
    assert run.proxy.upstream_connects >= len(run.sessions)
    assert dut.stats.resets + dut.stats.restarts >= 1
    assert run.injected > 20 and dut.stats.retransmits > 0
    # The second Renode set the CPU's initial PC/SP twice: at its start and at the board reset.
    assert run.sessions[-1].log_path.read_text(errors="replace").count("Setting initial values") == 2
