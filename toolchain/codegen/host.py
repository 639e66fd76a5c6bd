"""Run generated C on the host: compile it with gcc (cached by content hash) and call it through
ctypes, or, for AddressSanitizer/UBSan, as a separate executable fed through files (a sanitized
shared object cannot be loaded into an unsanitized Python without LD_PRELOAD)."""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import platformdirs

from toolchain.codegen.generator import GeneratedSources, generate_c, write_sources
from toolchain.errors import ToolchainError
from toolchain.model.graph import Graph
from toolchain.model.reader import read_model
from toolchain.runtime import RUNTIME_DIR

WARNINGS = ("-std=c99", "-Wall", "-Wextra", "-Werror")
SHARED_FLAGS = (*WARNINGS, "-O2", "-fPIC", "-shared")
SANITIZE_FLAGS = (*WARNINGS, "-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
                  "-fno-sanitize-recover=all")
DRIVER = RUNTIME_DIR / "host" / "tl_host_driver.c"


class HostBuildError(ToolchainError):
    """The host compiler rejected the generated C, or a sanitized run reported an error."""


class HostInputError(ToolchainError):
    """Inputs whose count, dtype or shape do not match the model."""


def cache_root() -> Path:
    """Per user ($TINYLARGE_CACHE or the platform's user cache folder), never a shared temp folder:
    a library found here is loaded into this process, so nobody else may have been able to write it."""
    base = os.environ.get("TINYLARGE_CACHE") or platformdirs.user_cache_dir("tinylarge")
    return Path(base) / "host"


def _private_dir(path: Path) -> Path:
    """Create `path` (and its missing parents) 0700 and check that it is ours alone."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise HostBuildError(f"cannot create the host build cache {path}: {exc.strerror}") from None
    _require_private(path)
    return path


def _require_private(path: Path) -> None:
    """Refuse a cache entry another user owns or could have written (also a symlink planted in its place)."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise HostBuildError(f"refusing the host build cache {path}: owned by uid {info.st_uid} (you are "
                             f"{os.geteuid()}) or writable by others; remove it or set TINYLARGE_CACHE")


def _digest(sources: GeneratedSources, flags: tuple[str, ...], extra: bytes = b"") -> str:
    h = hashlib.sha256()
    for name, text in sources.files.items():
        h.update(name.encode() + b"\0" + text.encode() + b"\0")
    h.update(" ".join(flags).encode() + extra)
    return h.hexdigest()[:24]


def _compile(sources: GeneratedSources, flags: tuple[str, ...], artifact: str, extra_sources: tuple[Path, ...] = ()
             ) -> Path:
    """Build once per content: returns the cached artifact path."""
    compiler = shutil.which("gcc")
    if compiler is None:
        raise HostBuildError("gcc not found: the host build needs a C compiler")
    key = _digest(sources, flags, b"".join(p.read_bytes() for p in extra_sources))
    root = _private_dir(cache_root())
    _require_private(root.parent)
    out_dir = root / key
    target = out_dir / artifact
    if target.exists():
        _require_private(out_dir)
        _require_private(target)
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))  # same filesystem: atomic rename
    try:
        write_sources(sources, staging)
        c_files = [staging / n for n in sources.c_files()] + list(extra_sources)
        result = subprocess.run([compiler, *flags, "-I", str(staging), "-o", str(staging / artifact),
                                 *map(str, c_files), "-lm"], capture_output=True, text=True)
        if result.returncode != 0:
            raise HostBuildError(f"gcc failed on the generated C: {result.stderr.strip()[:2000]}")
        try:
            os.replace(staging, out_dir)  # atomic publish: parallel builders never see half a build
        except OSError:
            pass  # another process published the same content first
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _check_inputs(graph: Graph, inputs: list[np.ndarray]) -> tuple[list[np.ndarray], int]:
    if len(inputs) != len(graph.inputs):
        raise HostInputError(f"model {graph.name} has {len(graph.inputs)} inputs, {len(inputs)} given")
    checked, n = [], None
    for t, x in zip(graph.input_tensors, inputs):
        x = np.asarray(x)
        if x.dtype != np.dtype(t.dtype) or x.shape[1:] != tuple(t.shape):
            raise HostInputError(f"input {t.index} ({t.name}) wants (N, {', '.join(map(str, t.shape))}) "
                                 f"{t.dtype}, got {x.shape} {x.dtype}")
        if n is not None and len(x) != n:
            raise HostInputError("all inputs need the same number of samples")
        n = len(x)
        checked.append(np.ascontiguousarray(x))
    return checked, n or 0


class HostModel:
    """The generated C of one model, compiled for the host.

    `run(inputs)` takes one array per model input, stacked (N, *shape) in the input's dtype, and
    returns one stacked (N, *shape) array per model output. With `sanitize=True` every run goes
    through an AddressSanitizer + UndefinedBehaviorSanitizer executable instead of ctypes."""

    def __init__(self, graph_or_path: Graph | str | Path, cpu: str | None = None, sanitize: bool = False):
        self.graph = graph_or_path if isinstance(graph_or_path, Graph) else read_model(graph_or_path)
        self.sources = generate_c(self.graph, target=cpu)
        self.sanitize = sanitize
        if sanitize:
            self.executable = _compile(self.sources, SANITIZE_FLAGS, "tl_host_driver", (DRIVER,))
            self._lib = None
        else:
            self.library = _compile(self.sources, SHARED_FLAGS, "libtl_model.so")
            self._lib = ctypes.CDLL(str(self.library))
            for fn in ("tl_model_input", "tl_model_output"):
                getattr(self._lib, fn).restype = ctypes.c_void_p
                getattr(self._lib, fn).argtypes = [ctypes.c_int]
            self._lib.tl_model_invoke.restype = ctypes.c_int

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        inputs, n = _check_inputs(self.graph, inputs)
        if self.sanitize:
            return self._run_sanitized(inputs, n)
        outs = [np.empty((n, *t.shape), dtype=t.dtype) for t in self.graph.output_tensors]
        in_ptrs = [self._lib.tl_model_input(i) for i in range(len(inputs))]
        out_ptrs = [self._lib.tl_model_output(i) for i in range(len(outs))]
        for s in range(n):
            for ptr, x in zip(in_ptrs, inputs):
                ctypes.memmove(ptr, x[s].ctypes.data, x[s].nbytes)
            if self._lib.tl_model_invoke() != 0:
                raise HostBuildError(f"tl_model_invoke failed on sample {s}")
            for ptr, y in zip(out_ptrs, outs):
                ctypes.memmove(y[s].ctypes.data, ptr, y[s].nbytes)
        return outs

    def _run_sanitized(self, inputs: list[np.ndarray], n: int) -> list[np.ndarray]:
        with tempfile.TemporaryDirectory(prefix="tl-san-") as tmp:
            in_file, out_file = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
            # Sample-major: sample 0's inputs in order, then sample 1's, as the driver reads them.
            in_file.write_bytes(b"".join(x[s].tobytes() for s in range(n) for x in inputs))
            result = subprocess.run([str(self.executable), str(in_file), str(out_file), str(n)],
                                    capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                raise HostBuildError(f"sanitized run failed (exit {result.returncode}): {result.stderr.strip()[:3000]}")
            data = out_file.read_bytes()
        per_sample = [t.nbytes for t in self.graph.output_tensors]
        raw = np.frombuffer(data, dtype=np.uint8).reshape(n, sum(per_sample)) if n else np.zeros((0, sum(per_sample)),
                                                                                              np.uint8)
        outs, start = [], 0
        for t, size in zip(self.graph.output_tensors, per_sample):
            chunk = np.ascontiguousarray(raw[:, start:start + size])
            outs.append(chunk.view(np.dtype(t.dtype)).reshape(n, *t.shape))
            start += size
        return outs
