"""`require`: a test whose input is missing fails in CI (CI=true) and skips elsewhere; the Renode
tests use it, so a CI machine without Renode fails them instead of skipping."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = '''
from tests.conftest import require

def test_needs_a_tool():
    require(False, "the tool is not installed (scripts/setup.sh)")
'''


def _pytest(args: list[str], ci: str | None, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "CI"} | env
    if ci is not None:
        environ["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                           *args], capture_output=True, text=True, timeout=300, cwd=ROOT, env=environ)


@pytest.mark.parametrize("ci, code, line", [
    ("true", 1, r"FAILED \S*::test_needs_a_tool - Failed: required input missing in CI: the tool is not "
                r"installed \(scripts/setup.sh\)"),
    # the skip names the test's own line, not the helper's
    (None, 0, r"SKIPPED \[1\] \S*/test_needs.py:5: the tool is not installed \(scripts/setup.sh\)"),
    ("false", 0, r"SKIPPED \[1\] \S*/test_needs.py:5: the tool is not installed \(scripts/setup.sh\)"),
])
def test_missing_input_fails_in_ci_and_skips_elsewhere(tmp_path, ci, code, line):
    (tmp_path / "test_needs.py").write_text(EXAMPLE)
    run = _pytest([str(tmp_path / "test_needs.py")], ci, PYTHONPATH=str(ROOT))
    assert run.returncode == code, run.stdout
    assert re.search(line, run.stdout), run.stdout


def test_renode_tests_fail_in_ci_without_renode_and_the_log_counts_them():
    run = _pytest(["tests/test_renode_live.py", "-k", "socket and disco"], "true",
                  RENODE="/nonexistent/renode", PYTHONPATH=str(ROOT))
    assert run.returncode == 1, run.stdout
    assert "required input missing in CI: Renode not installed: run scripts/setup.sh" in run.stdout
    assert "renode tests: 1 error" in run.stdout
