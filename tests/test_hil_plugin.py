"""The pytest plugin's bad options: a wrong project, port or board is one `ERROR:` line and pytest's
usage exit code (4) before any test runs, never a traceback per test. Each case runs pytest for real
(a subprocess, the plugin loaded through its entry point) on the example suite of three tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolchain.firmware.project import generate_project

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "hil_example"


@pytest.fixture(scope="module")
def unbuilt_project(models_dir, tmp_path_factory) -> Path:
    """Generated, never built: enough for every check that must fail before a device starts."""
    directory = tmp_path_factory.mktemp("plugin") / "hello-an386"
    generate_project(models_dir / "hello_world_int8.tflite", "qemu_mps2_an386", directory)
    return directory


def _pytest(*options: str) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                           str(EXAMPLE), *options], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return done.returncode, (done.stdout + done.stderr).strip().splitlines()


def _one_usage_error(options: tuple[str, ...]) -> str:
    code, lines = _pytest(*options)
    assert code == 4, lines
    assert not any("Traceback" in line or "passed" in line or "failed" in line for line in lines), lines
    errors = [line for line in lines if line.startswith("ERROR:")]
    others = [line for line in lines if not line.startswith("ERROR:") and not line.startswith("no tests ran in")]
    assert len(errors) == 1 and not others, lines  # pytest's own "no tests ran" summary may follow collection
    return errors[0]


def test_a_missing_project_is_one_line(tmp_path):
    missing = tmp_path / "nope"
    line = _one_usage_error(("--tl-project", str(missing), "--tl-emulator", "qemu"))
    assert line.startswith(f"ERROR: --tl-project {missing}: ")


def test_a_port_that_does_not_exist_is_one_line(unbuilt_project):
    line = _one_usage_error(("--tl-project", str(unbuilt_project), "--tl-port", "/dev/tl-no-such-port"))
    assert line.startswith("ERROR: --tl-port /dev/tl-no-such-port: cannot open /dev/tl-no-such-port")


def test_auto_port_for_a_board_without_usb_ids_is_one_line(unbuilt_project):
    line = _one_usage_error(("--tl-project", str(unbuilt_project), "--tl-port", "auto"))
    assert line.startswith("ERROR: --tl-port auto: board qemu_mps2_an386 lists no USB VID:PID")


def test_an_emulator_the_board_has_no_model_for_is_one_line(unbuilt_project):
    line = _one_usage_error(("--tl-project", str(unbuilt_project), "--tl-emulator", "renode"))
    assert line == "ERROR: --tl-emulator renode: board qemu_mps2_an386 has no renode model " \
                   "(no [emulators.renode] in its board file)"


def test_an_unbuilt_project_is_one_line(unbuilt_project):
    line = _one_usage_error(("--tl-project", str(unbuilt_project), "--tl-emulator", "qemu"))
    assert line.startswith("ERROR: --tl-emulator qemu: firmware ELF ") and "does not exist" in line


def test_a_device_option_without_a_project_is_one_line():
    assert _one_usage_error(("--tl-port", "auto",)) == \
        "ERROR: --tl-port and --tl-emulator need --tl-project DIR (the generated project)"


def test_without_device_options_the_tests_skip():
    code, lines = _pytest()
    assert code == 0 and lines[-1].startswith("3 skipped"), lines
