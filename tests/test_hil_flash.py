"""Flashing without hardware: port auto-detection against list_ports-shaped results built from the
catalog's VID:PIDs, UF2 images, and the clear errors for missing tools, methods and drives."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest
from serial.tools.list_ports_common import ListPortInfo

from toolchain.boards import load_board, load_catalog
from toolchain.flash import FlashError, PortError, find_port, resolve_port
from toolchain.flash.methods import esptool_plan, openocd_plan, pyocd_plan
from toolchain.flash.uf2 import MAGIC_END, Uf2Error, parse_uf2, to_uf2

USB_BOARDS = sorted(b.id for b in load_catalog().values() if b.usb.vid_pid)


def _port(device: str, vid_pid: str | None, description: str = "") -> ListPortInfo:
    port = ListPortInfo(device)
    if vid_pid:
        vid, pid = vid_pid.split(":")
        port.vid, port.pid = int(vid, 16), int(pid, 16)
    port.description = description or device
    return port


def _unrelated_ports() -> list[ListPortInfo]:
    return [_port("/dev/ttyS0", None), _port("/dev/ttyUSB9", "1234:5678", "some modem")]


def test_catalog_has_boards_with_usb_ids():
    assert len(USB_BOARDS) >= 8


@pytest.mark.parametrize("board_id", USB_BOARDS)
def test_each_catalog_vid_pid_is_found(board_id):
    board = load_board(board_id)
    for vid_pid in board.usb.vid_pid:
        ports = _unrelated_ports() + [_port("/dev/ttyACM3", vid_pid, board.console.usb_bridge)]
        assert find_port(board, ports) == "/dev/ttyACM3"
        # order does not matter
        assert find_port(board, ports[::-1]) == "/dev/ttyACM3"


@pytest.mark.parametrize("board_id", USB_BOARDS)
def test_no_matching_port_names_what_was_seen(board_id):
    board = load_board(board_id)
    with pytest.raises(PortError) as exc:
        find_port(board, _unrelated_ports())
    message = str(exc.value)
    assert message.startswith(f"no serial port has a USB ID of board {board.id} ({board.usb.vid_pid[0]}")
    assert "/dev/ttyS0 (no USB IDs" in message and "/dev/ttyUSB9 (1234:5678" in message


@pytest.mark.parametrize("board_id", USB_BOARDS)
def test_two_matching_ports_name_both_candidates(board_id):
    board = load_board(board_id)
    vid_pid = board.usb.vid_pid[-1]
    ports = [_port("/dev/ttyACM0", vid_pid), _port("/dev/ttyACM1", vid_pid)] + _unrelated_ports()
    with pytest.raises(PortError, match=r"2 ports match .*/dev/ttyACM0 .*/dev/ttyACM1 .*--port"):
        find_port(board, ports)


def test_board_without_usb_ids_needs_an_explicit_port():
    board = load_board("qemu_mps2_an386")
    with pytest.raises(PortError, match="lists no USB VID:PID"):
        find_port(board, [])
    assert resolve_port(board, "socket://127.0.0.1:4000") == "socket://127.0.0.1:4000"


def test_uf2_image_round_trip_with_family():
    family = int(load_board("pico").flash.uf2_family, 0)
    segments = [(0x10000000, bytes(range(256)) * 2 + b"\x01\x02\x03"), (0x10000400, b"\xaa" * 10)]
    image = to_uf2(segments, family)
    blocks = parse_uf2(image)
    assert len(image) == 512 * len(blocks) and len(blocks) == 4
    assert [b[0] for b in blocks] == [0x10000000, 0x10000100, 0x10000200, 0x10000400]
    assert all(b[2] == family for b in blocks)
    assert blocks[0][1] == bytes(range(256)) and blocks[2][1][:3] == b"\x01\x02\x03"
    assert blocks[2][1][3:] == bytes(253)  # the rest of a partial page is erased-as-zero padding
    assert struct.unpack_from("<I", image, 508)[0] == MAGIC_END
    with pytest.raises(Uf2Error):
        parse_uf2(image[:-1])
    with pytest.raises(Uf2Error):
        parse_uf2(b"\x00" * 512)


class _Project:
    directory = Path("/nonexistent")


def test_method_commands_come_from_the_board_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    for tool in ("openocd", "pyocd", "esptool.py"):
        (tmp_path / tool).write_text("#!/bin/sh\n")
        (tmp_path / tool).chmod(0o755)
    elf = tmp_path / "firmware.elf"
    nucleo = load_board("nucleo_f446re")
    plan = openocd_plan(_Project(), elf, nucleo)
    assert plan.command[1:] == ["-f", "interface/stlink.cfg", "-f", "target/stm32f4x.cfg", "-c",
                                f"program {elf} verify reset exit"]
    assert pyocd_plan(_Project(), elf, nucleo).command[1:] == ["flash", "-t", "stm32f446re", str(elf)]
    (tmp_path / "firmware.bin").write_bytes(b"app")
    (tmp_path / "bootloader.bin").write_bytes(b"boot")
    esp = esptool_plan(_Project(), elf, load_board("esp32dev"), "/dev/ttyUSB0").command
    assert esp[1:] == ["--chip", "esp32", "--port", "/dev/ttyUSB0", "--baud", "460800", "write_flash",
                       "0x1000", str(tmp_path / "bootloader.bin"), "0x10000", str(tmp_path / "firmware.bin")]


def test_missing_tool_or_board_parameter_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FlashError, match="openocd not found: apt-get install openocd"):
        openocd_plan(_Project(), tmp_path / "f.elf", load_board("nucleo_f446re"))
    with pytest.raises(FlashError, match="no \\[flash\\] pyocd_target"):
        pyocd_plan(_Project(), tmp_path / "f.elf", load_board("pico"))
