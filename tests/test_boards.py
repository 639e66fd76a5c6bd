"""Board catalog: every required board present and complete; broken files name the file and field."""
import pytest

from toolchain.boards import load_board, load_board_file, load_catalog
from toolchain.errors import BoardError

REQUIRED = ["qemu_mps2_an386", "qemu_mps3_an547", "qemu_netduinoplus2", "disco_f407vg", "nucleo_f446re",
            "nucleo_l4r5zi", "nucleo_h743zi", "nrf52840_dk", "nano33ble", "pico", "esp32dev",
            "esp32-s3-devkitc-1", "esp32-c3-devkitm-1"]


def test_catalog_has_required_boards():
    assert set(REQUIRED) <= set(load_catalog())


def test_board_facts():
    an386 = load_board("qemu_mps2_an386")
    assert (an386.cpu.core, an386.cpu.features, an386.emulators.qemu.machine) == (
        "cortex-m4", ("fpu", "dsp"), "mps2-an386")
    assert an386.console.base == 0x40004000
    an547 = load_board("qemu_mps3_an547")
    assert an547.cpu.mve and an547.cpu.core == "cortex-m55"
    disco = load_board("disco_f407vg")
    assert disco.emulators.renode.platform.endswith("stm32f4_discovery-kit.repl")
    assert disco.emulators.renode.uart == "sysbus.usart2" and disco.console.base == 0x40004400
    assert "0483:374b" in load_board("nucleo_f446re").usb.vid_pid
    assert load_board("esp32-c3-devkitm-1").cpu.family == "riscv"


def test_every_physical_board_can_be_found_and_flashed():
    for board in load_catalog().values():
        if board.emulators.qemu and board.platformio.platform == "local":
            continue  # emulator-only boards
        assert board.usb.vid_pid, board.id
        assert board.flash.methods, board.id


def test_unknown_board():
    with pytest.raises(BoardError, match="unknown board 'nope'.*qemu_mps2_an386"):
        load_board("nope")


def _write(tmp_path, name, text):
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def test_broken_board_files_name_file_and_field(tmp_path):
    good = (load_board("qemu_mps2_an386").source)
    text = open(good).read()
    with pytest.raises(BoardError, match=r"bad\.toml: field 'cpu.clock_hz'"):
        load_board_file(_write(tmp_path, "bad", text.replace("clock_hz = 25_000_000", "clock_hz = -1")
                               .replace('id = "qemu_mps2_an386"', 'id = "bad"')))
    with pytest.raises(BoardError, match=r"missing\.toml: field 'memory'"):
        start, end = text.index("[memory]"), text.index("[console]")
        load_board_file(_write(tmp_path, "missing", (text[:start] + text[end:])
                               .replace('id = "qemu_mps2_an386"', 'id = "missing"')))
    with pytest.raises(BoardError, match=r"typo\.toml: .*field 'cpu.clokc_hz': Extra inputs"):
        load_board_file(_write(tmp_path, "typo", text.replace("clock_hz", "clokc_hz")
                               .replace('id = "qemu_mps2_an386"', 'id = "typo"')))
    with pytest.raises(BoardError, match=r"garbage\.toml: not valid TOML"):
        load_board_file(_write(tmp_path, "garbage", "[cpu\ncore ="))
    with pytest.raises(BoardError, match=r"renamed\.toml: field 'id'"):
        load_board_file(_write(tmp_path, "renamed", text))
    with pytest.raises(BoardError, match=r"vid\.toml: field 'usb.vid_pid'"):
        load_board_file(_write(tmp_path, "vid", text.replace('id = "qemu_mps2_an386"', 'id = "vid"')
                               + '\n[usb]\nvid_pid = ["0483-374B"]\n'))
