"""`tinylarge emulate` errors that need no emulator: missing Renode, a board Renode does not
model, a directory that is not a project. Each is one stderr line and exit code 2."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from toolchain.firmware.project import generate_project


@pytest.fixture(scope="module")
def projects(tmp_path_factory, models_dir):
    root = tmp_path_factory.mktemp("emulate_projects")
    model = models_dir / "hello_world_int8.tflite"
    return {board: generate_project(model, board, root / board).directory
            for board in ("disco_f407vg", "qemu_mps2_an386")}


def _without_renode(path_dir) -> dict[str, str]:
    """The environment of a user without Renode: none on PATH, RENODE unset, no unpacked tree
    (CI's setup unpacks one into .tinylarge/renode)."""
    env = {k: v for k, v in os.environ.items() if k != "RENODE"}
    env["PATH"] = str(path_dir)
    env["TINYLARGE_RENODE_HOME"] = str(path_dir / "no-renode-here")
    return env


def _emulate(args, path_dir):
    env = _without_renode(path_dir)
    return subprocess.run([sys.executable, "-m", "toolchain.cli", "emulate", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def _one_error_line(result) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    return line


def test_emulate_renode_without_renode_says_how_to_install(projects, tmp_path):
    line = _one_error_line(_emulate([projects["disco_f407vg"], "--emulator", "renode"], tmp_path))
    assert "Renode not found" in line
    assert "https://github.com/renode/renode/releases" in line and "linux-portable" in line
    assert "RENODE" in line


def test_emulate_renode_on_a_board_renode_does_not_model(projects, tmp_path):
    line = _one_error_line(_emulate([projects["qemu_mps2_an386"], "--emulator", "renode"], tmp_path))
    assert "board qemu_mps2_an386 has no renode model" in line


def test_emulate_a_directory_that_is_not_a_project(tmp_path):
    line = _one_error_line(_emulate([tmp_path, "--emulator", "renode"], tmp_path))
    assert "not a tinylarge project" in line


def test_hil_run_over_renode_without_renode_says_how_to_install(projects, tmp_path):
    env = _without_renode(tmp_path)
    result = subprocess.run([sys.executable, "-m", "toolchain.cli", "hil", "run", str(projects["disco_f407vg"]),
                             "--emulator", "renode", "--samples", "3"], env=env, capture_output=True, text=True,
                            timeout=300, stdin=subprocess.DEVNULL)
    line = _one_error_line(result)
    assert "Renode not found" in line and "https://github.com/renode/renode/releases" in line
