"""Shared test fixtures: the public reference models in ../shared/models (read-only)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

MODELS_DIR = Path(os.environ.get("TINYLARGE_SHARED_MODELS",
                                 Path(__file__).resolve().parents[2] / "shared" / "models"))
SHARED_MODELS = sorted(MODELS_DIR.glob("*.tflite"))


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
