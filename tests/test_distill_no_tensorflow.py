"""Without the `train` extra: distill/quantize say how to install it; every other command still works."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# Runs the CLI in a fresh interpreter where `import tensorflow` fails as if it were not installed.
_BLOCKED_RUN = textwrap.dedent("""
    import sys

    class NoTensorFlow:
        def find_spec(self, name, path=None, target=None):
            if name == "tensorflow" or name.startswith(("tensorflow.", "keras")):
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None

    sys.meta_path.insert(0, NoTensorFlow())
    from toolchain.cli import main
    try:
        main(sys.argv[1:], prog_name="tinylarge")
    finally:
        assert "tensorflow" not in sys.modules
""")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCKED_RUN, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [
    ("distill", "--data", "synthetic:vibration", "-o", "unused"),
    ("quantize", "student.keras", "--data", "synthetic:vibration", "-o", "unused.tflite"),
])
def test_distill_and_quantize_print_the_install_line(args):
    result = _run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ("error: distill and quantize need TensorFlow (the train extra): "
                             "pip install -e '.[train]'\n")


def test_other_commands_work_without_tensorflow():
    listed = _run("--help")
    assert listed.returncode == 0, listed.stderr
    assert "distill" in listed.stdout and "quantize" in listed.stdout
    boards = _run("boards", "--json")
    assert boards.returncode == 0, boards.stderr
    assert '"qemu_mps2_an386"' in boards.stdout
    help_text = _run("distill", "--help")
    assert help_text.returncode == 0 and "--extra-data" in help_text.stdout
