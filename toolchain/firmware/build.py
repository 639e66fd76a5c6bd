"""`pio run` for a generated project, then flash and RAM use against the board's limits.

Offline envs run PlatformIO with the project-controlled core dir (toolchain.firmware.offline);
online envs use the user's own PlatformIO set-up. A build that does not fit raises
DoesNotFitError with the numbers (the linker's overflow report, or the measured sections).
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from toolchain.errors import DoesNotFitError, NetworkError, ToolchainError
from toolchain.firmware.envs import Environment
from toolchain.firmware.offline import installed_platform, setup_offline
from toolchain.firmware.project import Project, load_project

_FLASH_SECTIONS = (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".ARM.extab")
REGISTRY = ("api.registry.platformio.org", 443)
_OVERFLOW = re.compile(r"region [`'](\w+)' overflowed by (\d+) bytes|RAM overflow: [^\n]*")


class BuildError(ToolchainError):
    """PlatformIO failed for a reason other than size (compile error, missing tool)."""


@dataclass(frozen=True)
class MemoryUse:
    text: int  # code + constants (the model's weights live here)
    data: int  # initialised RAM, stored in flash too
    bss: int  # zeroed RAM (the arena, the HAL's buffers)
    stack: int  # reserved by the linker script
    flash_limit: int
    ram_limit: int

    @property
    def flash(self) -> int:
        return self.text + self.data

    @property
    def ram(self) -> int:
        return self.data + self.bss + self.stack

    @property
    def fits(self) -> bool:
        return self.flash <= self.flash_limit and self.ram <= self.ram_limit

    def describe(self) -> str:
        return (f"flash {self.flash:,} of {self.flash_limit:,} B (text {self.text:,} + data {self.data:,}), "
                f"RAM {self.ram:,} of {self.ram_limit:,} B (data {self.data:,} + bss {self.bss:,} "
                f"+ stack {self.stack:,})")


@dataclass(frozen=True)
class BuildResult:
    project: Project
    env: Environment
    elf: Path
    memory: MemoryUse


def build_project(directory: str | Path, env: str | None = None, *, defines: tuple[str, ...] = (),
                  verbose: bool = False) -> BuildResult:
    """Builds one env of a generated project. `defines` ("NAME" or "NAME=VALUE") are extra -D
    flags, e.g. TL_EXIT_AFTER_SELFTEST for smoke tests."""
    project = load_project(directory)
    environment = project.env(env)
    if environment.offline:
        installed_platform()  # a project moved from another machine finds its dev-platform again
        run_env = setup_offline().environment()
    else:
        run_env = dict(os.environ)
        require_online_platform(project, environment, run_env)
    if defines:  # appended to what the caller may already pass to PlatformIO
        flags = [run_env.get("PLATFORMIO_BUILD_FLAGS", "")] + [f"-D{d}" for d in defines]
        run_env["PLATFORMIO_BUILD_FLAGS"] = " ".join(f for f in flags if f)
    command = [sys.executable, "-m", "platformio", "run", "-d", str(project.directory), "-e", environment.name]
    result = subprocess.run(command, env=run_env, capture_output=not verbose, text=True)
    output = (result.stdout or "") + (result.stderr or "")
    if result.returncode != 0:
        _raise_for_failure(project, environment, output)
    elf = project.directory / environment.elf_path
    memory = measure(elf, environment, project)
    if not memory.fits:
        raise DoesNotFitError(f"{project.model_name} does not fit {project.board.id}: {memory.describe()}")
    return BuildResult(project, environment, elf, memory)


def require_online_platform(project: Project, environment: Environment, run_env: dict) -> None:
    """An online env whose pinned platform is not installed needs PlatformIO's registry; offline,
    PlatformIO would retry for about a minute and then print a summary table. Fail at once instead."""
    if _platform_installed(environment, run_env) or _registry_reachable(run_env):
        return
    offline = [e.name for e in project.envs if e.offline]
    alternative = f"; or use the offline env (--env {offline[0]})" if offline else ""
    raise NetworkError(f"env {environment.name} needs the {environment.platform_name} platform from the PlatformIO "
                       f"registry: run online once (PlatformIO's registry is not reachable){alternative}")


def _platform_installed(environment: Environment, run_env: dict) -> bool:
    core = Path(run_env.get("PLATFORMIO_CORE_DIR") or Path.home() / ".platformio")
    version = environment.platform.partition("@")[2]
    for manifest in (core / "platforms").glob("*/platform.json"):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("name") == environment.platform_name and data.get("version") == version:
            return True
    return False


def _registry_reachable(run_env: dict, timeout: float = 3.0) -> bool:
    """A TCP connection to the registry (or to the HTTPS proxy, when one is set) within `timeout`;
    name resolution runs in a thread so a stuck resolver cannot hang the build."""
    from urllib.parse import urlsplit

    proxy = next((run_env[k] for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy") if run_env.get(k)), "")
    host, port = REGISTRY
    if proxy:
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = parts.hostname or host, parts.port or 80
    reached = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            reached.append(True)
        except OSError:
            pass

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    return bool(reached)


def _raise_for_failure(project: Project, environment: Environment, output: str):
    overflow = [m.group(0) for m in _OVERFLOW.finditer(output)]
    if overflow:
        limits = project.limits[environment.name]
        raise DoesNotFitError(f"{project.model_name} does not fit {project.board.id} "
                              f"(flash {limits.flash_bytes:,} B, RAM {limits.ram_bytes:,} B): "
                              + "; ".join(dict.fromkeys(overflow)))
    tail = "\n".join(line for line in output.splitlines()[-25:] if line.strip())
    raise BuildError(f"pio run -e {environment.name} failed in {project.directory}:\n{tail}")


def section_sizes(elf: Path) -> tuple[int, int, int]:
    """(text, data, bss) bytes of an ELF: text holds everything stored in flash but .data."""
    text = data = bss = 0
    with open(elf, "rb") as handle:
        for section in ELFFile(handle).iter_sections():
            name, size = section.name, section["sh_size"]
            if name in _FLASH_SECTIONS or name.startswith((".text", ".rodata", ".srodata")):
                text += size
            elif name.startswith((".data", ".sdata")):
                data += size
            elif name.startswith((".bss", ".sbss")):
                bss += size
    return text, data, bss


def measure(elf: Path, environment: Environment, project: Project) -> MemoryUse:
    """Section sizes of the ELF against the memory the project was generated for."""
    limits = project.limits[environment.name]
    return MemoryUse(*section_sizes(elf), limits.stack_bytes, limits.flash_bytes, limits.ram_bytes)
