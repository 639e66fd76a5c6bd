"""Renode files of a generated project: a .resc script and a Robot Framework suite per board.

Only boards whose board file has `[emulators.renode]` get them. The .resc creates the machine
from Renode's platform description, loads the ELF, and puts the console UART on a TCP server
socket without telnet negotiation (`$port`); `tinylarge emulate --emulator renode` and
`renode-test` both run it. The Robot suite boots the firmware, waits for the identity and
self-test pass lines, and fails at once on a self-test failure line.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from toolchain import TEMPLATES_DIR
from toolchain.boards import Board

RENODE_DIR = "renode"  # inside the generated project
DEFAULT_SOCKET_PORT = 3456  # the .resc default when started by hand; runners always pass $port
TERMINAL_NAME = "term"  # the name the local Renode 1.16 trial used (ENVIRONMENT.md)
# Virtual seconds for boot + self-test; the firmware sleeps in wfi while idle, so this is generous.
BOOT_TIMEOUT_S = 60


@dataclass(frozen=True)
class ConsoleLines:
    """What the Robot suite looks for on the console UART."""

    identity_regex: str  # the boot identity line of this board and model (.NET regex, no backslashes)
    selftest_pass: str  # substring of the self-test pass line
    selftest_failures: tuple[str, ...]  # substrings that end the test at once


def firmware_console_lines(board_id: str, model_hash: str) -> ConsoleLines:
    """The lines toolchain/runtime/firmware/tl_firmware.c prints at boot, for this board and model."""
    return ConsoleLines(identity_regex=f"^TL-IDENTITY board={board_id} runtime=.* hash={model_hash} arena=",
                        selftest_pass="TL-SELFTEST PASS",
                        selftest_failures=("TL-SELFTEST FAIL", "TL-SELFTEST ERROR"))


def renode_script_path(board: Board) -> str:
    """Project-relative path of the board's .resc (POSIX separators)."""
    return f"{RENODE_DIR}/{board.id}.resc"


def renode_suite_path(board: Board) -> str:
    return f"{RENODE_DIR}/{board.id}.robot"


def render_renode_files(board: Board, elf_path: str, lines: ConsoleLines) -> dict[str, str]:
    """{project-relative path: text} for the board's Renode files; {} if Renode does not model it.

    `elf_path` is the firmware ELF relative to the project root (POSIX), e.g.
    ".pio/build/disco_f407vg/firmware.elf"; the files refer to it relative to themselves, so the
    project can move.
    """
    renode = board.emulators.renode
    if renode is None:
        return {}
    script, suite = renode_script_path(board), renode_suite_path(board)
    values = {
        "board_id": board.id,
        "board_name": board.name,
        "machine_name": board.id,
        "platform": renode.platform,
        "uart": renode.uart,
        "terminal": TERMINAL_NAME,
        "default_port": DEFAULT_SOCKET_PORT,
        # Renode's Cortex-M takes the initial SP/PC from here; the linker puts vectors first in flash.
        "vector_table": f"0x{_firmware_memory(board).flash_origin:08X}",
        "elf_from_script": posixpath.relpath(elf_path, RENODE_DIR),
        "script_name": posixpath.basename(script),
        "suite_name": posixpath.basename(suite),
        "boot_timeout": BOOT_TIMEOUT_S,
        "identity_regex": lines.identity_regex,
        "selftest_pass": lines.selftest_pass,  # Robot cells cannot end in spaces: no trailing blanks here
        "selftest_failures": lines.selftest_failures,
    }
    return {
        script: _render("board.resc.j2", values),
        suite: _render("board.robot.j2", values),
    }


def _firmware_memory(board: Board):
    """The memory map the emulator build links for (a bare-metal build may override the board's)."""
    if board.baremetal is not None and board.baremetal.memory is not None:
        return board.baremetal.memory
    return board.memory


def _render(template: str, values: dict) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR / "renode")), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    return env.get_template(template).render(**values)
