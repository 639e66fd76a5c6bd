"""Shared test fixtures: the public reference models in ../shared/models (read-only), and
`require`, the one rule for tests whose input is missing."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

MODELS_DIR = Path(os.environ.get("TINYLARGE_SHARED_MODELS",
                                 Path(__file__).resolve().parents[2] / "shared" / "models"))
SHARED_MODELS = sorted(MODELS_DIR.glob("*.tflite"))


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require(available: object, reason: str) -> None:
    """A test's required input (shared models, a tool scripts/setup.sh installs) must be there:
    when it is not, the test FAILS in CI (CI=true) and is skipped with `reason` elsewhere."""
    __tracebackhide__ = True  # reports name the calling test's line, not this one
    if available:
        return
    if in_ci():
        pytest.fail(f"required input missing in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)  # also from a module's top level


def import_required(module: str, reason: str):
    """The module, or `require`'s fail (CI) / skip when it cannot be imported."""
    __tracebackhide__ = True
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        require(False, f"{reason} ({exc})")


@pytest.fixture(scope="session")
def models_dir() -> Path:
    if not MODELS_DIR.is_dir():
        pytest.fail(f"shared models not found at {MODELS_DIR} (set TINYLARGE_SHARED_MODELS)")
    return MODELS_DIR


@pytest.fixture(scope="session")
def kws_model(models_dir) -> Path:
    return models_dir / "kws_ref_model.tflite"


@pytest.fixture(scope="session")
def resnet_model(models_dir) -> Path:
    return models_dir / "pretrainedResnet_quant.tflite"


def pytest_terminal_summary(terminalreporter) -> None:
    """One line for the CI log: how many tests ran on real Renode (marker `renode`) and how they ended."""
    outcomes: dict[str, str] = {}
    for outcome in ("passed", "skipped", "failed", "error"):  # later outcomes win (a teardown error)
        for report in terminalreporter.stats.get(outcome, []):
            if "renode" in getattr(report, "keywords", {}) and (outcome != "passed" or report.when == "call"):
                outcomes[report.nodeid] = outcome
    if outcomes:
        counts = {o: list(outcomes.values()).count(o) for o in ("passed", "failed", "error", "skipped")}
        terminalreporter.write_line("renode tests: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n))
