"""The generated Renode files, checked without Renode: platform paths and UART names per board
(facts from Renode's own platform descriptions), the socket terminal commands with telnet
negotiation off, the ELF path, and the Robot suite as Robot Framework itself parses it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from robot.api import TestSuiteBuilder as RobotSuiteBuilder  # not "Test*": pytest would collect it

from toolchain.boards import load_board, load_catalog
from toolchain.emulators.renode_files import (firmware_console_lines, render_renode_files, renode_script_path,
                                              renode_suite_path)

# Renode's platform for each board, the console UART's name there and that UART's address in the
# platform description (renode/platforms/cpus/stm32f4.repl, nrf52840.repl, stm32h7.repl).
RENODE_FACTS = {
    "disco_f407vg": ("platforms/boards/stm32f4_discovery-kit.repl", "sysbus.usart2", 0x40004400),
    "nrf52840_dk": ("platforms/cpus/nrf52840.repl", "sysbus.uart0", 0x40002000),
    "nano33ble": ("platforms/boards/arduino_nano_33_ble.repl", "sysbus.uart0", 0x40002000),
    "nucleo_h743zi": ("platforms/boards/nucleo_h753zi.repl", "sysbus.usart3", 0x40004800),
}
RENODE_BOARDS = sorted(b.id for b in load_catalog().values() if b.emulators.renode is not None)


MODEL_HASH = "0123456789abcdef"


def _lines(board_id: str):
    return firmware_console_lines(board_id, MODEL_HASH)


def _elf(board_id: str) -> str:
    return f".pio/build/{board_id}/firmware.elf"


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)


def _commands(resc: str) -> list[str]:
    """Monitor commands of a .resc: no comments/metadata, macro bodies included, whitespace folded."""
    return [" ".join(line.split()) for line in resc.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", ":", '"""'))]


def test_every_board_the_issue_names_has_renode_files():
    assert set(RENODE_FACTS) <= set(RENODE_BOARDS)


@pytest.mark.parametrize("board_id", RENODE_BOARDS)
def test_board_console_is_the_uart_renode_connects(board_id):
    board = load_board(board_id)
    platform, uart, address = RENODE_FACTS[board_id]
    assert (board.emulators.renode.platform, board.emulators.renode.uart) == (platform, uart)
    # The firmware drives the same register block Renode models under that name.
    console = board.baremetal.console if board.baremetal and board.baremetal.console else board.console
    assert console.base == address


@pytest.mark.parametrize("board_id", RENODE_BOARDS)
def test_resc_creates_machine_loads_elf_and_exposes_uart_without_telnet(board_id):
    board = load_board(board_id)
    platform, uart, _ = RENODE_FACTS[board_id]
    files = render_renode_files(board, _elf(board_id), _lines(board_id))
    assert set(files) == {f"renode/{board_id}.resc", f"renode/{board_id}.robot"}
    commands = _commands(files[renode_script_path(board)])
    memory = board.baremetal.memory if board.baremetal and board.baremetal.memory else board.memory
    assert commands == [
        f'$name ?= "{board_id}"',
        f"$elf ?= $ORIGIN/../.pio/build/{board_id}/firmware.elf",
        "$port ?= 3456",
        "mach create $name",
        f"machine LoadPlatformDescription @{platform}",
        'emulation CreateServerSocketTerminal $port "term" false',  # false: no telnet negotiation bytes
        f"connector Connect {uart} term",
        "macro reset",
        "sysbus LoadELF $elf",
        f"sysbus.cpu VectorTableOffset 0x{memory.flash_origin:08X}",
        "runMacro $reset",
    ]


def test_resc_elf_default_is_relative_to_the_script(tmp_path):
    board = load_board("disco_f407vg")
    files = render_renode_files(board, "build/deep/fw.elf", _lines(board.id))
    assert "$elf ?= $ORIGIN/../build/deep/fw.elf" in _commands(files["renode/disco_f407vg.resc"])


@pytest.mark.parametrize("board_id", RENODE_BOARDS)
def test_robot_suite_boots_waits_for_identity_and_pass_and_fails_fast(board_id, tmp_path):
    board = load_board(board_id)
    _, uart, _ = RENODE_FACTS[board_id]
    _write(tmp_path, render_renode_files(board, _elf(board_id), _lines(board_id)))
    suite = RobotSuiteBuilder().build(str(tmp_path / renode_suite_path(board)))

    assert [(i.type, i.name) for i in suite.resource.imports] == [("RESOURCE", "${RENODEKEYWORDS}")]
    assert (suite.setup.name, suite.teardown.name) == ("Setup", "Teardown")
    variables = {v.name: v.value[0] for v in suite.resource.variables}
    assert variables["${UART}"] == uart
    assert Path(variables["${SCRIPT}"]).resolve() == (tmp_path / "renode" / f"{board_id}.resc").resolve()
    assert Path(variables["${ELF}"]).resolve() == (tmp_path / _elf(board_id)).resolve()
    assert variables["${UART_PORT}"] == "0"

    (test,) = suite.tests
    steps = [(k.name, k.args) for k in test.body]
    assert steps == [
        ("Execute Command", ("$elf=@${ELF}",)),
        ("Execute Command", ("$port=${UART_PORT}",)),
        ("Execute Command", ("include @${SCRIPT}",)),
        ("Create Terminal Tester", ("${UART}", "timeout=${BOOT_TIMEOUT}")),
        # registered before the machine runs: a failure line ends the test at once, not at timeout
        ("Register Failing Uart String", ("TL-SELFTEST FAIL",)),
        ("Register Failing Uart String", ("TL-SELFTEST ERROR",)),
        ("Start Emulation", ()),
        ("Wait For Line On Uart", (f"^TL-IDENTITY board={board_id} runtime=.* hash={MODEL_HASH} arena=",
                                   "treatAsRegex=true")),
        ("Wait For Line On Uart", ("TL-SELFTEST PASS",)),
    ]


def test_identity_pattern_matches_the_firmware_line_of_this_board_and_model_only():
    # The line toolchain/runtime/firmware/tl_firmware.c prints; Renode matches with .NET Regex.Match.
    line = (f"TL-IDENTITY board=nano33ble runtime=0.1.0 model=kws hash={MODEL_HASH} arena=24272 "
            "counter=cycles inputs=int8[1,49,10,1] outputs=int8[1,12]")
    assert re.search(_lines("nano33ble").identity_regex, line)
    assert not re.search(_lines("nrf52840_dk").identity_regex, line)
    assert not re.search(firmware_console_lines("nano33ble", "fedcba9876543210").identity_regex, line)


def test_boards_renode_does_not_model_get_no_files():
    board = load_board("qemu_mps2_an386")
    assert board.emulators.renode is None
    assert render_renode_files(board, _elf(board.id), _lines(board.id)) == {}


def test_rendering_is_byte_identical():
    board = load_board("nrf52840_dk")
    first = render_renode_files(board, _elf(board.id), _lines(board.id))
    assert first == render_renode_files(board, _elf(board.id), _lines(board.id))
