"""The GitHub Actions workflow parses and refers to files and commands that exist."""
from __future__ import annotations

import fnmatch
import re
import subprocess

import yaml

from toolchain import PROJECT_ROOT
from toolchain.boards import load_catalog
from toolchain.emulators.renode_files import renode_suite_path

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(job: str) -> list[dict]:
    return _workflow()["jobs"][job]["steps"]


def _runs(job: str) -> list[str]:
    return [step["run"] for step in _steps(job) if "run" in step]


def test_workflow_triggers_and_jobs():
    flow = _workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    assert set(flow["jobs"]) == {"qemu", "renode"}
    for job in flow["jobs"].values():
        assert job["runs-on"].startswith("ubuntu-")
        assert job["steps"][0]["uses"].startswith("actions/checkout@")


def test_qemu_job_sets_up_fetches_the_models_then_runs_the_pytest_suite_through_the_project_script():
    runs = _runs("qemu")
    assert runs[0] == "scripts/setup.sh"
    fetch = next(i for i, run in enumerate(runs) if "scripts/fetch_models.py" in run)
    suite = next(i for i, run in enumerate(runs) if "scripts/test.sh" in run)
    assert 0 < fetch < suite
    assert '"$TINYLARGE_SHARED_MODELS"' in runs[fetch] and "TINYLARGE_SHARED_MODELS" in _workflow()["jobs"]["qemu"]["env"]
    assert (PROJECT_ROOT / "scripts" / "test.sh").is_file() and (PROJECT_ROOT / "scripts" / "fetch_models.py").is_file()
    # Without the TFLM harness the job names the one test it leaves out.
    assert "--deselect tests/test_bench_firmware.py" in runs[suite]
    assert (PROJECT_ROOT / "tests" / "test_bench_firmware.py").is_file()
    # Without ../shared/renode (the tarball setup.sh unpacks) it leaves out the tests marked renode,
    # which would otherwise fail with CI=true; the renode job boots the same boards.
    tarball = re.search(r"^RENODE_TARBALL=(\S+)$", (PROJECT_ROOT / "scripts" / "setup.sh").read_text(), re.M).group(1)
    assert f"[ ! -f {tarball} ]" in runs[suite] and 'args+=(-m "not renode")' in runs[suite]
    assert '    "renode: runs firmware on Renode' in (PROJECT_ROOT / "pyproject.toml").read_text()


def test_renode_job_builds_firmware_then_runs_the_generated_suites_with_renode_test_action():
    steps = _steps("renode")
    runs = _runs("renode")
    assert runs[0] == "scripts/setup.sh"
    build = next(run for run in runs if run.startswith("scripts/renode_firmware.sh"))
    out_dir = build.split()[-1]
    (action,) = [s for s in steps if s.get("uses", "").startswith("antmicro/renode-test-action@")]
    assert steps.index(action) > runs.index(build)
    assert set(action["with"]) == {"renode-revision", "tests-to-run", "artifacts-path"}
    # The glob finds exactly where the script puts each board's generated suite.
    pattern = action["with"]["tests-to-run"]
    for board in load_catalog().values():
        if board.emulators.renode and board.platformio.offline:
            assert fnmatch.fnmatch(f"{out_dir}/{board.id}/{renode_suite_path(board)}", pattern)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == action["with"]["artifacts-path"] and upload["if"] == "always()"


def test_every_script_the_workflow_calls_exists_and_parses():
    for job in _workflow()["jobs"]:
        for run in _runs(job):
            first = run.split()[0]
            if first.startswith("scripts/"):
                script = PROJECT_ROOT / first
                assert script.is_file(), first
                subprocess.run(["bash", "-n", str(script)], check=True)
        subprocess.run(["bash", "-n", "-c", "\n".join(_runs(job))], check=True)
