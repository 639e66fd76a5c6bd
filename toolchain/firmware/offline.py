"""The PlatformIO core directory the project controls, prepared so `pio run` never goes online.

PlatformIO always wants its `tool-scons` package; we install it from the `scons` wheel already in
this Python environment (same version PlatformIO 6.2 pins: 4.11.1 -> package version 4.41101.0),
with the `.piopm` marker that tells PlatformIO it is the registry package. The dev-platform itself
is `toolchain/firmware/platform/`, copied into a per-user cache folder named by its content hash
(`installed_platform()`), which projects reference: no project points into the tinylarge install,
and a project moved elsewhere still builds. Idempotent.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from toolchain import PROJECT_ROOT
from toolchain.errors import ToolchainError

PLATFORM_DIR = Path(__file__).resolve().parent / "platform"
SCONS_PACKAGE = "tool-scons"
# Environment variables that keep PlatformIO local: its own core dir, no telemetry, no update checks.
_QUIET_SETTINGS = {
    "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "No",
    "PLATFORMIO_SETTING_CHECK_PLATFORMIO_INTERVAL": "3650",
    "PLATFORMIO_SETTING_CHECK_PRUNE_SYSTEM_THRESHOLD": "0",
}


class OfflineSetupError(ToolchainError):
    """The offline PlatformIO core cannot be prepared."""


@dataclass(frozen=True)
class OfflineCore:
    core_dir: Path
    scons_version: str

    def environment(self) -> dict[str, str]:
        """os.environ plus what points PlatformIO at this core dir."""
        env = dict(os.environ)
        env.update(_QUIET_SETTINGS)
        env["PLATFORMIO_CORE_DIR"] = str(self.core_dir)
        return env


def platform_cache_root() -> Path:
    """Per-user cache (platformdirs), or TINYLARGE_CACHE."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("TINYLARGE_CACHE") or user_cache_dir("tinylarge"))


def _platform_files() -> dict[str, bytes]:
    return {p.relative_to(PLATFORM_DIR).as_posix(): p.read_bytes() for p in sorted(PLATFORM_DIR.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def platform_location() -> Path:
    """Where this tinylarge's dev-platform lives in the user cache: a new platform, a new folder."""
    digest = hashlib.sha256()
    for name, data in _platform_files().items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return platform_cache_root() / f"tinylarge-platform-{digest.hexdigest()[:12]}"


def installed_platform() -> Path:
    """The dev-platform copied into the user cache (once; atomic, so parallel runs are safe)."""
    target = platform_location()
    if (target / "platform.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    for name, data in _platform_files().items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_bytes(data)
    try:
        staging.rename(target)
    except OSError:  # another process installed it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def default_core_dir() -> Path:
    return Path(os.environ.get("TINYLARGE_PIO_CORE", PROJECT_ROOT / ".tinylarge" / "pio-core"))


def _scons_source() -> tuple[Path, str]:
    try:
        import SCons
    except ImportError:
        raise OfflineSetupError("the 'scons' Python package is missing (pip install scons)") from None
    return Path(SCons.__file__).resolve().parent, SCons.__version__


def package_version(scons_version: str) -> str:
    """PlatformIO's numbering of its tool-scons package: 4.11.1 -> 4.41101.0."""
    major, minor, patch = (int(p) for p in scons_version.split(".")[:3])
    return f"{major}.{400 + minor:03d}{patch:02d}.0"


def _package_files(version: str) -> dict[str, str]:
    manifest = {"name": SCONS_PACKAGE, "version": version, "description": "SCons from the PyPI wheel",
                "keywords": ["build tool"], "license": "MIT", "system": "*"}
    marker = {"type": "tool", "name": SCONS_PACKAGE, "version": version,
              "spec": {"owner": "platformio", "id": None, "name": SCONS_PACKAGE, "requirements": None,
                       "uri": None}}
    entry = ("import sys\nfrom os.path import dirname\nsys.path.insert(0, dirname(__file__))\n"
             "from SCons.Script import main\n\nif __name__ == '__main__':\n    main()\n")
    return {"package.json": json.dumps(manifest, indent=2) + "\n", ".piopm": json.dumps(marker) + "\n",
            "scons.py": entry}


def setup_offline(core_dir: Path | None = None) -> OfflineCore:
    core_dir = Path(core_dir or default_core_dir()).resolve()
    scons_src, scons_version = _scons_source()
    version = package_version(scons_version)
    package = core_dir / "packages" / SCONS_PACKAGE
    files = _package_files(version)
    if not _is_current(package, files):
        shutil.rmtree(package, ignore_errors=True)
        package.mkdir(parents=True)
        shutil.copytree(scons_src, package / "SCons", ignore=shutil.ignore_patterns("__pycache__"))
        for name, text in files.items():
            (package / name).write_text(text, encoding="utf-8")
    for stale in (core_dir / "packages").glob("*.pio-link"):  # a failed symlink install blocks every run
        stale.unlink()
    return OfflineCore(core_dir, scons_version)


def _is_current(package: Path, files: dict[str, str]) -> bool:
    if not (package / "SCons" / "__init__.py").is_file():
        return False
    return all((package / n).is_file() and (package / n).read_text(encoding="utf-8") == t for n, t in files.items())
