"""TensorFlow is the optional `train` extra: import it only here, only when a command needs it."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sys
import tempfile
import warnings

from toolchain.errors import ToolchainError

INSTALL_HINT = "pip install -e '.[train]'"
_MISSING = f"distill and quantize need TensorFlow (the train extra): {INSTALL_HINT}"


class TrainExtraMissing(ToolchainError):
    """TensorFlow (the `train` extra) is not installed."""


def check_tensorflow() -> None:
    """Fail at once, before any slow work, when TensorFlow is not installed."""
    try:
        found = importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise TrainExtraMissing(_MISSING)


def require_tensorflow():
    """Import TensorFlow quietly; raise a one-line install hint without it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # TF turns its oneDNN kernels on only for some CPUs; without them (e.g. AVX2-only x86) the Eigen
    # depthwise kernel refuses the unequal strides ((2, 1)) of signal students such as the demo's ds-cnn.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    try:
        with quiet_native_output():  # absl and oneDNN banners go straight to fd 2 on import
            import tensorflow as tf
    except ImportError:
        raise TrainExtraMissing(_MISSING) from None
    tf.get_logger().setLevel("ERROR")
    return tf


def seed_everything(seed: int):
    """Same seed, same weights, same numbers: seeds Python/NumPy/TF and turns on deterministic ops."""
    tf = require_tensorflow()
    import keras

    keras.utils.set_random_seed(seed)
    try:
        tf.config.experimental.enable_op_determinism()
    except AttributeError:  # older TF: determinism falls back to the seeds alone
        pass
    return tf


@contextlib.contextmanager
def quiet_native_output():
    """Silence what TensorFlow's converter prints from C++ and Python straight to fd 1/2.

    Yields a list that receives the captured text, so a failure can still be explained.
    """
    captured: list[str] = []
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    python_side = io.StringIO()  # sys.stdout may not be fd 1 (e.g. under click's CliRunner)
    with tempfile.TemporaryFile(mode="w+b") as sink, warnings.catch_warnings(), \
            contextlib.redirect_stdout(python_side), contextlib.redirect_stderr(python_side):
        warnings.simplefilter("ignore")
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            captured.append(sink.read().decode("utf-8", "replace") + python_side.getvalue())
