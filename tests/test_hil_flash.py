"""Flashing without hardware: port auto-detection against list_ports-shaped results built from the
catalog's VID:PIDs, UF2 images, and the clear errors for missing tools, methods and drives; real
offline builds that `flash` refuses (emulator images), the offline env's upload through the board's
probe command, and a UF2 copy onto a folder standing in for the RP2040's boot drive."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from serial.tools.list_ports_common import ListPortInfo

from toolchain.boards import load_board, load_catalog
from toolchain.cli import main
from toolchain.firmware.build import build_project
from toolchain.firmware.offline import setup_offline
from toolchain.firmware.project import generate_project, load_project
from toolchain.flash import FlashError, PortError, find_port, resolve_port
from toolchain.flash.methods import esptool_plan, failure_cause, openocd_plan, pyocd_plan
from toolchain.flash.uf2 import MAGIC_END, Uf2Error, elf_segments, parse_uf2, to_uf2

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


# ---- real offline builds ----
@pytest.fixture(scope="module")
def built(models_dir, tmp_path_factory):
    """hello_world generated and built offline (default env) once per board."""
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("riscv64-unknown-elf-gcc") is None:
        pytest.skip("cross GCCs not installed (scripts/setup.sh)")
    root, done = tmp_path_factory.mktemp("flash_builds"), {}

    def project(board: str) -> Path:
        if board not in done:
            done[board] = generate_project(models_dir / "hello_world_int8.tflite", board, root / board).directory
            build_project(done[board])
        return done[board]

    return project


def _flash(*args: str):
    return CliRunner().invoke(main, ["flash", *map(str, args)])


def test_flash_refuses_an_emulator_build(built):
    c3 = built("esp32-c3-devkitm-1")  # default env: the QEMU virt RV32 image
    for method in ([], ["--method", "esptool"], ["--method", "pio"]):
        result = _flash(c3, *method)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [
            "error: env esp32-c3-devkitm-1_emulator is an emulator build and cannot run on a real "
            "esp32-c3-devkitm-1: flash a hardware env instead (--env esp32-c3-devkitm-1)"]
    nano = built("nano33ble")  # default env: the Renode UARTE0 build
    result = _flash(nano)
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        "error: env nano33ble_emulator is an emulator build and cannot run on a real nano33ble: "
        "flash a hardware env instead (--env nano33ble)"]


def test_flash_refuses_an_elf_that_loads_outside_the_boards_flash(built):
    """The QEMU image copied where the hardware build belongs: its load address gives it away."""
    c3 = built("esp32-c3-devkitm-1")
    project = load_project(c3)
    hardware_elf = project.elf_path("esp32-c3-devkitm-1")
    hardware_elf.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(project.elf_path(), hardware_elf)
    (hardware_elf.parent / "firmware.bin").write_bytes(b"not flashed")
    result = _flash(c3, "--env", "esp32-c3-devkitm-1", "--port", "/dev/null")
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        f"error: {hardware_elf} loads at 0x80000000, outside esp32-c3-devkitm-1's flash "
        "(0x42000000-0x423FFFFF): not an image for this board, refusing to flash it"]


def test_missing_build_hint_names_the_same_env(built, monkeypatch):
    disco = built("disco_f407vg")
    result = _flash(disco, "--env", "disco_f407vg")
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        f"error: firmware ELF {disco}/.pio/build/disco_f407vg/firmware.elf does not exist "
        f"(run `tinylarge build {disco} --env disco_f407vg` first)"]


def test_offline_env_flashes_with_the_boards_probe_command(built, tmp_path, monkeypatch):
    """The offline env has no PlatformIO upload of its own: `flash` runs the board file's openocd
    line; without openocd on PATH that is one line naming the tool, exit 2."""
    disco = built("disco_f407vg")
    elf = load_project(disco).elf_path()
    monkeypatch.setenv("PATH", str(tmp_path))  # no openocd, no pyocd
    for method in ([], ["--method", "pio"], ["--method", "openocd"]):
        result = _flash(disco, *method)
        assert result.exit_code == 2 and result.stderr.splitlines() == ["error: openocd not found: apt-get install openocd"]
    result = _flash(disco, "--method", "pyocd")
    assert result.exit_code == 2 and result.stderr.splitlines() == ["error: pyocd not found: pip install pyocd"]
    openocd = tmp_path / "openocd"  # a tool is found on PATH; the command line is what the board file says
    openocd.write_text("#!/bin/sh\n")
    openocd.chmod(0o755)
    assert openocd_plan(None, elf, load_board("disco_f407vg")).command == [
        str(openocd), "-f", "interface/stlink.cfg", "-f", "target/stm32f4x.cfg", "-c", f"program {elf} verify reset exit"]


def test_pio_upload_of_the_offline_env_runs_the_boards_command(built, tmp_path):
    """`pio run -t upload` on the offline dev-platform runs the board's openocd line; its failure
    reaches the user as the tool's own complaint, not PlatformIO's summary table."""
    disco = built("disco_f407vg")
    env = setup_offline().environment()
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if not (Path(p) / "openocd").exists())
    result = subprocess.run([sys.executable, "-m", "platformio", "run", "-d", str(disco), "-e", "disco_f407vg_offline",
                             "-t", "upload"], env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Uploading .pio/build/disco_f407vg_offline/firmware.elf" in output
    assert re.fullmatch(r"(/bin/)?sh: (1: )?openocd: (command )?not found", failure_cause(output)), output
    emulator = built("esp32-c3-devkitm-1")
    result = subprocess.run([sys.executable, "-m", "platformio", "run", "-d", str(emulator), "-e",
                             "esp32-c3-devkitm-1_emulator", "-t", "upload"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode != 0
    assert failure_cause(result.stdout + result.stderr) == ("error: env esp32-c3-devkitm-1_emulator has no "
                                                            "upload_command: it is an emulator image, not for the board")


def _tiny_elf(tmp_path: Path, name: str, address: int) -> Path:
    """A real Cortex-M0+ ELF with 700 bytes of code and data linked at `address`."""
    source = tmp_path / f"{name}.c"
    source.write_text("const unsigned char blob[600] = {1, 2, 3, 250};\n"
                      "void _start(void) { for (;;) { __asm__ volatile(\"nop\"); } }\n")
    elf = tmp_path / f"{name}.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m0plus", "-mthumb", "-nostdlib", "-O1",
                    f"-Wl,-Ttext=0x{address:08X}", "-o", str(elf), str(source)], check=True)
    return elf


def test_uf2_copy_onto_the_boot_drive(models_dir, tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not installed (scripts/setup.sh)")
    project = load_project(generate_project(models_dir / "hello_world_int8.tflite", "pico", tmp_path / "pico").directory)
    elf = project.elf_path()
    elf.parent.mkdir(parents=True)
    shutil.copy(_tiny_elf(tmp_path, "flash", 0x10000000), elf)
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    result = _flash(project.directory, "--port", drive)
    assert result.exit_code == 2 and "is not a UF2 boot drive (no INFO_UF2.TXT)" in result.stderr
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    result = _flash(project.directory, "--port", drive)
    assert result.exit_code == 0, result.stderr
    blocks = parse_uf2((drive / "firmware.uf2").read_bytes())
    family = int(load_board("pico").flash.uf2_family, 0)
    assert all(b[2] == family for b in blocks) and [b[0] for b in blocks] == sorted(b[0] for b in blocks)
    written = {address + i: byte for address, payload, _ in blocks for i, byte in enumerate(payload)}
    for address, data in elf_segments(elf):
        assert bytes(written[address + i] for i in range(len(data))) == data
    assert f"{len(blocks)} UF2 blocks copied" in result.stdout
    shutil.copy(_tiny_elf(tmp_path, "ram", 0x20000000), elf)  # linked into RAM: not a flash image
    (drive / "firmware.uf2").unlink()
    result = _flash(project.directory, "--port", drive)
    assert result.exit_code == 2 and "loads at 0x20000000, outside pico's flash (0x10000000-0x101FFFFF)" in result.stderr
    assert not (drive / "firmware.uf2").exists()


def test_failure_cause_skips_platformios_summary_table():
    output = ("Uploading .pio/build/disco_f407vg_offline/firmware.elf\nOpen On-Chip Debugger 0.12.0\n"
              "Info : clock speed 2000 kHz\nError: open failed\n*** [upload] Error 1\n"
              "========================== [FAILED] Took 4.20 seconds ==========================\n\n"
              "Environment           Status    Duration\n--------------------  --------  ------------\n"
              "disco_f407vg_offline  FAILED    00:00:04.203\n"
              "==================== 1 failed, 0 succeeded in 00:00:04.203 ====================\n")
    assert failure_cause(output) == "Error: open failed"
    assert failure_cause("Environment    Status    Duration\n-----  ------  ----\nx  FAILED  00:00:01\n") == "no output"


def test_pio_flash_of_an_online_env_fails_at_once_offline(models_dir, tmp_path, monkeypatch):
    """`flash --method pio` on an env whose registry platform is not installed: the same one line
    and exit 4 as `build`, before PlatformIO starts (it would retry downloads for a minute)."""
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not installed (scripts/setup.sh)")
    project = load_project(generate_project(models_dir / "hello_world_int8.tflite", "pico", tmp_path / "pico").directory)
    project.elf_path().parent.mkdir(parents=True)
    shutil.copy(_tiny_elf(tmp_path, "flash", 0x10000000), project.elf_path())
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "core"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens: the registry is out of reach
    result = _flash(project.directory, "--method", "pio")
    assert result.exit_code == 4 and result.stderr.splitlines() == [
        "error: env pico needs the raspberrypi platform from the PlatformIO registry: run online once "
        "(PlatformIO's registry is not reachable)"]
    assert not (tmp_path / "core").exists()
