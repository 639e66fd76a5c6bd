"""tinylarge: LargeML -> TinyML toolchain. Stages: model -> plan -> codegen -> firmware -> flash/emulators -> hil -> aggregator."""
from pathlib import Path

__version__ = "0.1.0"

# Data folders that live beside the package in the repository (editable install).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
BOARDS_DIR = PROJECT_ROOT / "boards"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
