"""On real Renode: the generated Robot suite passes (and fails fast on a wrong self-test), and the
HIL link runs over Renode's UART socket through `tinylarge emulate`'s runner. Needs `renode` and
`renode-test` on PATH or RENODE=<portable folder>; skipped with that reason otherwise."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from hil.dut import Dut
from hil.link import open_link
from toolchain.emulators.launch import start_emulator
from toolchain.emulators.renode import RenodeError, find_renode
from toolchain.emulators.renode_files import renode_suite_path
from toolchain.firmware.build import build_project
from toolchain.firmware.project import generate_project, load_project
from toolchain.reference import reference_outputs


def _renode_tools():
    try:
        tools = find_renode()
    except RenodeError:
        return None
    return tools if tools.renode_test is not None else None


TOOLS = _renode_tools()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TOOLS is None, reason="Renode not installed: needs `renode` and `renode-test` on PATH or "
                                             "RENODE=<folder of Renode's portable package> (docs/renode.md)"),
]
BOARD = "disco_f407vg"


@pytest.fixture(scope="module")
def disco(tmp_path_factory, models_dir):
    project = generate_project(models_dir / "hello_world_int8.tflite", BOARD,
                               tmp_path_factory.mktemp("renode_live") / "fw")
    build_project(project.directory)
    return project


def _renode_test(suite, results):
    return subprocess.run([str(TOOLS.renode_test), "-r", str(results), str(suite)], capture_output=True,
                          text=True, timeout=1800)


def test_generated_robot_suite_passes(disco, tmp_path):
    run = _renode_test(disco.directory / renode_suite_path(disco.board), tmp_path / "results")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_robot_suite_fails_on_the_self_test_failure_line(disco, tmp_path):
    # A copy whose embedded reference output is off by one in its first byte: the firmware prints
    # TL-SELFTEST FAIL and the registered failing string ends the test.
    broken = tmp_path / "broken"
    shutil.copytree(disco.directory, broken, ignore=shutil.ignore_patterns(".pio"))
    data = broken / "src" / "tl_selftest_data.c"
    text = data.read_text()
    head, tail = text.split("selftest_output0", 1)
    first = re.search(r"0x([0-9a-f]{2})", tail)
    flipped = f"0x{int(first.group(1), 16) ^ 1:02x}"
    data.write_text(head + "selftest_output0" + tail[:first.start()] + flipped + tail[first.end():])
    build_project(broken)
    run = _renode_test(broken / renode_suite_path(disco.board), tmp_path / "results")
    assert run.returncode != 0
    report = (tmp_path / "results" / "robot_output.xml").read_text(errors="replace")
    assert "Test failing entry has been found on UART" in report and "TL-SELFTEST FAIL" in report


def test_hil_over_renode_socket_matches_tflm(disco):
    project = load_project(disco.directory)
    model = project.model_path
    rng = np.random.default_rng(6)
    with start_emulator(project, "renode") as session, open_link(session.url) as link:
        dut = Dut(link, run_timeout=120.0)
        assert dut.expect_line(r"^TL-SELFTEST PASS ", timeout=120.0)
        identity = dut.identity()
        sample = rng.integers(-128, 128, size=(1, 1), dtype=np.int8)
        result = dut.infer([sample])
        assert (identity.board, identity.model_hash) == (BOARD, project.model_hash)
        np.testing.assert_array_equal(result.outputs[0], reference_outputs(model, [sample[None]])[0][0])


def test_hil_run_cli_over_renode(disco):
    run = subprocess.run([sys.executable, "-m", "toolchain.cli", "hil", "run", str(disco.directory),
                          "--emulator", "renode", "--samples", "20", "--json"], capture_output=True, text=True,
                         timeout=1800, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["samples"], report["exact_match_rate"], report["lost"], report["duplicated"]) == (20, 1.0, 0, 0)
    assert report["device"]["board"] == BOARD and report["device"]["model_hash"] == disco.model_hash
