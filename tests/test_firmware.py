"""Firmware projects without building: generation is byte-identical, layouts follow board data,
the embedded self-test output is TFLM's, ESP32 projects name the right platform, offline set-up."""
from __future__ import annotations

import configparser
import hashlib
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from toolchain.boards import load_board
from toolchain.cli import main
from toolchain.errors import BoardError, ModelError
from toolchain.firmware.offline import package_version, platform_location, setup_offline
from toolchain.firmware.project import generate_project, load_project
from toolchain.reference import reference_outputs


def _tree(directory):
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _ini(project_dir) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(project_dir / "platformio.ini")
    return parser


def _c_array(text: str, symbol: str) -> bytes:
    body = re.search(rf"{symbol}\[\d+\][^=]*= \{{(.*?)\}};", text, re.S).group(1)
    return bytes(int(v, 16) for v in re.findall(r"0x[0-9a-f]{2}", body))


@pytest.fixture(scope="module")
def kws_project(kws_model, tmp_path_factory):
    return generate_project(kws_model, "qemu_mps2_an386", tmp_path_factory.mktemp("kws") / "p")


def test_regeneration_is_byte_identical(kws_model, kws_project, tmp_path):
    again = generate_project(kws_model, "qemu_mps2_an386", tmp_path / "again")
    assert _tree(again.directory) == _tree(kws_project.directory)
    # and regenerating in place removes nothing that belongs and adds nothing
    generate_project(kws_model, "qemu_mps2_an386", kws_project.directory)
    assert _tree(again.directory) == _tree(kws_project.directory)


def test_bare_metal_layout_comes_from_board_data(kws_project):
    board = load_board("qemu_mps2_an386")
    d = kws_project.directory
    env = _ini(d)["env:qemu_mps2_an386"]
    assert env["platform"] == "symlink://" + platform_location().as_posix()  # the user-cache copy
    assert env["board"] == "tl_qemu_mps2_an386" and env["test_framework"] == "custom"
    assert env["board_build.ldscript"] == "src/hal/baremetal/tl_board.ld"
    board_h = (d / "src/hal/baremetal/tl_board.h").read_text()
    assert f"#define TL_CONSOLE_BASE 0x{board.console.base:08X}u" in board_h
    assert "#define TL_CONSOLE_IRQ 0\n" in board_h
    assert "#define TL_COUNTER_NUM 40ull" in board_h and "#define TL_COUNTER_DEN 1ull" in board_h
    linker = (d / "src/hal/baremetal/tl_board.ld").read_text()
    assert "ORIGIN = 0x20000000, LENGTH = 4194304" in linker
    hal = sorted(p.name for p in (d / "src/hal/baremetal").iterdir())
    assert "console_cmsdk_uart.c" in hal and "counter_systick_icount.c" in hal and "exit_semihosting_arm.c" in hal
    assert not any(name.startswith("console_stm32") for name in hal)
    assert "led_none.c" in hal and "TL_LED_PIN" not in board_h  # the board data names no LED
    manifest = json.loads((d / "tinylarge.json").read_text())
    assert manifest["model"]["hash"] == hashlib.sha256((d / "model/kws_ref_model.tflite").read_bytes()).hexdigest()[:16]
    assert manifest["envs"]["qemu_mps2_an386"]["elf"] == ".pio/build/qemu_mps2_an386/firmware.elf"


def test_stm32_console_routing_and_nano33ble_emulator_env(kws_model, tmp_path):
    nucleo = generate_project(kws_model, "nucleo_f446re", tmp_path / "nucleo")
    ini = _ini(nucleo.directory)
    assert ini["env:nucleo_f446re"]["platform"] == "ststm32@17.3.0"  # online, bare metal, pinned
    assert ini["platformio"]["default_envs"] == "nucleo_f446re_offline"
    board_h = (nucleo.directory / "src/hal/baremetal/tl_board.h").read_text()
    assert "{0x40023830u, 0u}, {0x40023840u, 17u}" in board_h  # GPIOA + USART2 clocks
    assert "TL_CONSOLE_TX_PIN 2u" in board_h and "counter_dwt_cyccnt.c" in str(nucleo.files)
    assert "#define TL_LED_PIN 5u" in board_h and "src/hal/baremetal/led_stm32_gpio.c" in nucleo.files
    nano = generate_project(kws_model, "nano33ble", tmp_path / "nano")
    ini = _ini(nano.directory)
    assert ini["env:nano33ble"]["framework"] == "arduino" and "hal/arduino" in ini["env:nano33ble"]["build_src_filter"]
    assert "hal/baremetal" in ini["env:nano33ble_emulator"]["build_src_filter"]
    metal_h = (nano.directory / "src/hal/baremetal/tl_board.h").read_text()
    assert "TL_CONSOLE_TX_PIN 35u" in metal_h and "exit_park.c" in str(nano.files)
    assert "ORIGIN = 0x00010000" in (nano.directory / "src/hal/baremetal/tl_board.ld").read_text()


@pytest.mark.parametrize("board", ["esp32dev", "esp32-s3-devkitc-1"])
def test_esp32_projects_use_espressif32_arduino(models_dir, tmp_path, board):
    project = generate_project(models_dir / "hello_world_int8.tflite", board, tmp_path / board)
    ini = _ini(project.directory)
    env = ini[f"env:{board}"]
    assert (env["platform"], env["board"], env["framework"]) == ("espressif32@6.10.0", board, "arduino")
    assert ini["platformio"]["default_envs"] == board and len([s for s in ini if s.startswith("env:")]) == 1
    assert "void setup() { tl_firmware_run(); }" in (project.directory / "src/hal/arduino/hal_arduino.cpp").read_text()
    assert not (project.directory / "src/hal/baremetal").exists()
    assert f'#define TL_BOARD_NAME "{board}"' in (project.directory / "src/hal/arduino/tl_board.h").read_text()


def test_selftest_embeds_the_tflm_output(models_dir, tmp_path):
    model = models_dir / "kws_ref_model.tflite"
    sample = np.load(models_dir / "samples" / "kws_ref_model.input.npy")
    np.save(tmp_path / "x.npy", sample)
    project = generate_project(model, "qemu_netduinoplus2", tmp_path / "p", selftest_input=tmp_path / "x.npy")
    data = (project.directory / "src/tl_selftest_data.c").read_text()
    assert _c_array(data, "selftest_input0") == sample.astype(np.int8).tobytes()
    expected = reference_outputs(model, [sample.reshape(1, 1, 49, 10, 1).astype(np.int8)])[0][0]
    assert _c_array(data, "selftest_output0") == expected.tobytes()
    assert int(np.argmax(expected)) == 5  # PROVENANCE.md: the reference classifies it as class 5


def test_bad_inputs_are_one_line_errors(kws_model, tmp_path):
    with pytest.raises(BoardError, match="unknown board"):
        generate_project(kws_model, "no_such_board", tmp_path / "x")
    with pytest.raises(ModelError):
        broken = tmp_path / "broken.tflite"
        broken.write_bytes(b"\x00" * 64)
        generate_project(broken, "qemu_mps2_an386", tmp_path / "y")
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 2 and "not a tinylarge project" in result.output
    project = generate_project(kws_model, "qemu_mps2_an386", tmp_path / "z")
    result = CliRunner().invoke(main, ["build", str(project.directory), "--env", "nope"])
    assert result.exit_code == 2 and "no env 'nope'" in result.output
    assert load_project(project.directory).model_hash == project.model_hash


def test_setup_offline_is_idempotent(tmp_path):
    first = setup_offline(tmp_path / "core")
    package = tmp_path / "core" / "packages" / "tool-scons"
    before = _tree(package)
    (tmp_path / "core" / "packages" / "toolchain-x.pio-link").write_text("stale")
    second = setup_offline(tmp_path / "core")
    assert first == second and _tree(package) == before
    assert not (tmp_path / "core" / "packages" / "toolchain-x.pio-link").exists()
    marker = json.loads((package / ".piopm").read_text())
    assert marker["spec"]["owner"] == "platformio" and marker["version"] == package_version(first.scons_version)
    assert package_version("4.11.1") == "4.41101.0"


def test_every_catalog_board_has_envs_whose_hal_files_exist():
    from toolchain.boards import load_catalog
    from toolchain.firmware.envs import environments
    from toolchain.firmware.hal import HAL_DIR

    for board in load_catalog().values():
        envs = environments(board)
        assert [e.offline for e in envs] == [False] * (board.platformio.platform != "local") + \
            [True] * board.platformio.offline, board.id
        for env in envs:
            assert all((HAL_DIR / name).is_file() for name in env.hal.files), (board.id, env.hal.files)
            assert (env.hal.name == "arduino") == bool(env.framework), board.id


def test_emulator_builds_are_separate_envs_and_the_hardware_build_is_the_default():
    from toolchain.boards import load_catalog
    from toolchain.firmware.envs import default_environment, environments

    for board in load_catalog().values():
        envs = environments(board)
        for env in envs:
            # an env is an emulator image exactly when the board data says its bare-metal build is
            local = board.platformio.platform == "local"
            expected = env.offline and (local or board.baremetal.emulator_only)
            assert env.emulator == expected, (board.id, env.name)
            assert env.name.endswith("_emulator") == (env.emulator and not local), env.name
            assert bool(env.upload_command) == (env.offline and not env.emulator), env.name
        hardware_offline = [e for e in envs if e.offline and not e.emulator]
        if hardware_offline:
            assert default_environment(envs) is hardware_offline[0], board.id
    names = {b: [e.name for e in environments(load_board(b))] for b in ("esp32-c3-devkitm-1", "nano33ble", "disco_f407vg")}
    assert names == {"esp32-c3-devkitm-1": ["esp32-c3-devkitm-1", "esp32-c3-devkitm-1_emulator"],
                     "nano33ble": ["nano33ble", "nano33ble_emulator"],
                     "disco_f407vg": ["disco_f407vg", "disco_f407vg_offline"]}


@pytest.fixture(scope="module")
def catalog_projects(models_dir, tmp_path_factory):
    from toolchain.boards import load_catalog

    root = tmp_path_factory.mktemp("catalog")
    return {b: generate_project(models_dir / "hello_world_int8.tflite", b, root / b) for b in sorted(load_catalog())}


def test_platformio_ini_follows_platformio_conventions(catalog_projects):
    """No path into the tinylarge install, a monitor speed from the board, pinned registry
    platforms, and the offline dev-platform referenced from its user-cache copy."""
    from toolchain import PROJECT_ROOT

    for board_id, project in catalog_projects.items():
        board = load_board(board_id)
        text = (project.directory / "platformio.ini").read_text()
        assert str(PROJECT_ROOT) not in text, board_id
        ini = _ini(project.directory)
        sections = [s for s in ini.sections() if s.startswith("env:")]
        assert sections == [f"env:{e.name}" for e in project.envs]
        for env in project.envs:
            section = ini[f"env:{env.name}"]
            assert section["monitor_speed"] == str((board.baremetal.console if env.offline and board.baremetal.console
                                                     else board.console).baud)
            if env.offline:
                assert section["platform"] == "symlink://" + platform_location().as_posix()
                assert (platform_location() / "platform.json").is_file()
            else:
                name, _, version = section["platform"].partition("@")
                assert (name, version) == (board.platformio.platform, board.platformio.version)
                assert re.fullmatch(r"\d+\.\d+\.\d+", version), section["platform"]


def test_pio_reads_the_monitor_settings_offline(catalog_projects, tmp_path):
    """PlatformIO's own parser (what `pio device monitor -e ENV` reads) sees the monitor speed."""
    import os
    import subprocess
    import sys

    project = catalog_projects["disco_f407vg"]
    env = dict(os.environ, PLATFORMIO_CORE_DIR=str(tmp_path / "core"), PLATFORMIO_SETTING_ENABLE_TELEMETRY="No")
    result = subprocess.run([sys.executable, "-m", "platformio", "project", "config", "-d", str(project.directory),
                             "--json-output"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    config = {section: dict(items) for section, items in json.loads(result.stdout)}
    assert config["env:disco_f407vg_offline"]["monitor_speed"] == 115200
    assert config["env:disco_f407vg_offline"]["upload_protocol"] == "custom"


def test_generate_names_the_online_platform_a_board_needs(models_dir, tmp_path):
    for board, platform in (("esp32dev", "espressif32"), ("esp32-s3-devkitc-1", "espressif32"),
                            ("nucleo_l4r5zi", "ststm32"), ("pico", "raspberrypi")):
        result = CliRunner().invoke(main, ["generate", str(models_dir / "hello_world_int8.tflite"), "--board", board,
                                           "-o", str(tmp_path / board)])
        assert result.exit_code == 0, result.output
        assert (f"env {board} (default): online: needs the {platform} platform from the PlatformIO registry "
                f"({platform}@{load_board(board).platformio.version})") in result.output
