"""`pio run` for a generated project, then flash and RAM use against the board's limits.

Offline envs run PlatformIO with the project-controlled core dir (toolchain.firmware.offline);
online envs use the user's own PlatformIO set-up. A build that does not fit raises
DoesNotFitError with the numbers (the linker's overflow report, or the measured sections).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from toolchain.errors import DoesNotFitError, ToolchainError
from toolchain.firmware.envs import Environment
from toolchain.firmware.offline import setup_offline
from toolchain.firmware.project import Project, load_project

_FLASH_SECTIONS = (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".ARM.extab")
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
    run_env = setup_offline().environment() if environment.offline else dict(os.environ)
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
