"""Generated firmware built offline through PlatformIO and booted on QEMU: identity line and a
bit-exact self-test for every shared model on three Cortex-M machines, and the same core on RV32.

Every build runs `tinylarge build` in a fresh PlatformIO core dir with the network cut off (a
network namespace without interfaces when `unshare -rn` works, unreachable proxies always), so
any download attempt fails the build. Builds are shared by the whole session.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_MODELS
from toolchain.boards import load_board
from toolchain.emulators.qemu import start_qemu
from toolchain.firmware.offline import platform_location
from toolchain.firmware.project import generate_project, load_project
from toolchain.model.reader import read_model

pytestmark = pytest.mark.qemu

CORTEX_M_BOARDS = ("qemu_mps2_an386", "qemu_mps3_an547", "qemu_netduinoplus2")
IDENTITY = re.compile(r"^TL-IDENTITY board=(\S+) runtime=(\S+) model=(\S+) hash=([0-9a-f]{16}) arena=(\d+) "
                      r"counter=(\S+) inputs=(\S+) outputs=(\S+)$")
SELFTEST = re.compile(r"^TL-SELFTEST (PASS|FAIL|ERROR) ?(\d*) ?(\S*)(.*)$")
TINYLARGE = Path(sys.executable).with_name("tinylarge")
UNREACHABLE = "http://127.0.0.1:9"


def _no_network_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn"]
    return []


class OfflineBuilder:
    """Generates and builds each (model, board) once per session, offline."""

    def __init__(self, root: Path):
        self.root = root
        self.core_dir = root / "pio-core"
        self.prefix = _no_network_prefix()
        self.env = dict(os.environ, TINYLARGE_PIO_CORE=str(self.core_dir), HTTP_PROXY=UNREACHABLE,
                        HTTPS_PROXY=UNREACHABLE, ALL_PROXY=UNREACHABLE, http_proxy=UNREACHABLE,
                        https_proxy=UNREACHABLE, PLATFORMIO_SETTING_ENABLE_TELEMETRY="No")
        self.built: dict[tuple[str, str], Path] = {}

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.prefix + [str(TINYLARGE), *args], env=self.env, capture_output=True, text=True,
                              timeout=900)

    def project(self, model: Path, board: str, defines: tuple[str, ...] = ()) -> Path:
        key = (model.stem, board + "".join(defines))
        if key not in self.built:
            directory = self.root / f"{model.stem}-{board}{'-'.join(('',) + defines).lower()}"
            generate_project(model, board, directory)
            self.build(directory, defines)
            self.built[key] = directory
        return self.built[key]

    def build(self, directory: Path, defines: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        args = ["build", str(directory)] + [f"-D{d}" for d in defines]
        result = self.run(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "flash " in result.stdout and " RAM " in result.stdout
        return result


@pytest.fixture(scope="session")
def builder(tmp_path_factory) -> OfflineBuilder:
    b = OfflineBuilder(tmp_path_factory.mktemp("firmware"))
    setup = b.run("setup-offline")
    assert setup.returncode == 0, setup.stderr
    return b


def boot_lines(board_id: str, elf: Path, count: int = 2) -> list[str]:
    """The first `count` text lines the firmware prints on its console UART."""
    with start_qemu(load_board(board_id), elf) as qemu, socket.create_connection(("127.0.0.1", qemu.port)) as s:
        s.settimeout(120)
        data = b""
        while data.count(b"\n") < count:
            chunk = s.recv(4096)
            assert chunk, f"QEMU closed the UART after {data!r}"
            data += chunk
    return [line.decode() for line in data.split(b"\n")[:count]]


def _shape(graph, index) -> str:
    t = graph.tensors[index]
    return f"{t.dtype}[{','.join(str(d) for d in t.shape)}]"


@pytest.mark.parametrize("board", CORTEX_M_BOARDS)
@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_boots_with_identity_and_bit_exact_selftest(builder, board, model):
    directory = builder.project(model, board)
    project = load_project(directory)
    identity, selftest = boot_lines(board, project.elf_path())
    fields = IDENTITY.match(identity)
    assert fields, identity
    graph = read_model(model)
    arena = int(re.search(r"#define TL_MODEL_ARENA_BYTES (\d+)", (directory / "src/model/tl_model.h").read_text())[1])
    assert fields.groups() == (board, "0.1.0", model.stem, hashlib.sha256(model.read_bytes()).hexdigest()[:16],
                               str(arena), "instructions", ";".join(_shape(graph, i) for i in graph.inputs),
                               ";".join(_shape(graph, i) for i in graph.outputs))
    verdict = SELFTEST.match(selftest)
    assert verdict and verdict[1] == "PASS" and verdict[3] == "instructions", selftest
    assert int(verdict[2]) > 0


def test_instruction_count_is_repeatable(builder, kws_model):
    elf = load_project(builder.project(kws_model, "qemu_mps2_an386")).elf_path()
    counts = {boot_lines("qemu_mps2_an386", elf)[1] for _ in range(2)}
    assert len(counts) == 1, counts


def test_selftest_detects_a_wrong_output_and_exits_via_semihosting(builder, models_dir, tmp_path):
    model = models_dir / "hello_world_int8.tflite"
    project = generate_project(model, "qemu_mps2_an386", tmp_path / "wrong")
    data = project.directory / "src/tl_selftest_data.c"
    text = data.read_text()
    output = re.search(r"(selftest_output0\[1\][^=]*= \{\n  )0x([0-9a-f]{2})", text)
    flipped = f"0x{int(output[2], 16) ^ 0x01:02x}"
    data.write_text(text[:output.start(2) - 2] + flipped + text[output.end(2):])
    builder.build(project.directory, ("TL_EXIT_AFTER_SELFTEST",))
    with start_qemu(load_board("qemu_mps2_an386"), project.elf_path()) as qemu, \
            socket.create_connection(("127.0.0.1", qemu.port)) as s:
        s.settimeout(60)
        data_in = b""
        while chunk := s.recv(4096):
            data_in += chunk
        assert qemu.wait(60) == 1  # tl_hal_exit(1) through semihosting
    lines = data_in.decode().splitlines()
    assert lines[1].startswith("TL-SELFTEST FAIL ") and lines[1].endswith(" mismatched=1/1 first=0:0"), lines


def test_rv32_build_of_the_same_core_runs_on_qemu_riscv32(builder, kws_model):
    directory = builder.project(kws_model, "esp32-c3-devkitm-1")
    project = load_project(directory)
    assert project.default_env == "esp32-c3-devkitm-1_emulator"
    elf = project.elf_path()
    assert elf.read_bytes()[18] == 0xF3  # e_machine EM_RISCV
    identity, selftest = boot_lines("esp32-c3-devkitm-1", elf)
    assert identity.startswith("TL-IDENTITY board=esp32-c3-devkitm-1 ") and selftest.startswith("TL-SELFTEST PASS ")


def test_builds_used_no_network_and_only_local_packages(builder, kws_model):
    builder.project(kws_model, "qemu_mps2_an386")
    packages = sorted(p.name for p in (builder.core_dir / "packages").iterdir())
    assert packages == ["tool-scons"]
    # the dev-platform is linked from its copy in the user cache, not installed from anywhere
    installed = sorted(p.name for p in (builder.core_dir / "platforms").iterdir())
    assert installed == [f"{platform_location().name}.pio-link"]
    assert str(platform_location()) in (builder.core_dir / "platforms" / installed[0]).read_text()
    if not builder.prefix:
        pytest.skip("no network namespace here (unshare -rn failed): proxies alone kept PlatformIO offline")


def test_renode_boards_build_offline_and_disco_runs_on_the_f405_model(builder, models_dir):
    model = models_dir / "hello_world_int8.tflite"
    for board in ("nrf52840_dk", "nano33ble"):  # UARTE0 builds for Renode: compile + link + fit
        assert load_project(builder.project(model, board)).elf_path().is_file()
    h7 = load_project(builder.project(model, "nucleo_h743zi"))  # USART3 (newer STM32 USART) for Renode
    assert h7.default_env == "nucleo_h743zi_offline"
    _assert_console_vector(h7.elf_path(), load_board("nucleo_h743zi"))
    disco = load_project(builder.project(model, "disco_f407vg"))
    assert disco.default_env == "disco_f407vg_offline"
    identity, selftest = boot_lines("disco_f407vg", disco.elf_path())  # USART2 = QEMU's second UART
    assert identity.startswith("TL-IDENTITY board=disco_f407vg ") and " counter=cycles " in identity
    assert selftest == "TL-SELFTEST PASS 0 cycles"  # DWT->CYCCNT reads 0 under QEMU; real parts count


def _assert_console_vector(elf_path, board) -> None:
    """The vector table sits at the start of flash, holds 16 + num_irqs entries, and the console's
    RX interrupt entry points at the HAL's timed wrapper of the console port's handler (Thumb bit set)."""
    from elftools.elf.elffile import ELFFile

    with open(elf_path, "rb") as stream:
        elf = ELFFile(stream)
        vectors = elf.get_section_by_name(".isr_vector")
        handler = elf.get_section_by_name(".symtab").get_symbol_by_name("tl_hal_console_interrupt")[0]
        assert vectors["sh_addr"] == board.memory.flash_origin
        assert vectors["sh_size"] == 4 * (16 + board.baremetal.num_irqs)
        table = np.frombuffer(vectors.data(), dtype="<u4")
        assert table[16 + board.console.irq] == handler["st_value"] | 1
        ram_end = board.memory.ram_origin + board.memory.ram_bytes
        assert board.memory.ram_origin < table[0] <= ram_end  # initial stack pointer in RAM


def test_a_model_that_does_not_fit_is_refused_with_the_numbers(builder, resnet_model, tmp_path):
    board = load_board("qemu_mps2_an386")
    small = board.model_copy(update={"memory": board.memory.model_copy(update={"ram_bytes": 32768})})
    project = generate_project(resnet_model, small, tmp_path / "small")
    result = builder.run("build", str(project.directory))
    assert result.returncode == 3, result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: pretrainedResnet_quant does not fit qemu_mps2_an386 (flash 4,194,304 B, "
                              "RAM 32,768 B): ")
    assert re.search(r"region `RAM' overflowed by \d+ bytes", message) and len(message.splitlines()) == 1


@pytest.mark.parametrize("board, platform", [("esp32dev", "espressif32"), ("esp32-s3-devkitc-1", "espressif32"),
                                             ("nucleo_l4r5zi", "ststm32"), ("pico", "raspberrypi"),
                                             ("esp32-c3-devkitm-1", "espressif32")])
def test_online_boards_fail_at_once_offline_with_the_network_exit_code(builder, models_dir, tmp_path, board, platform):
    """An online env whose platform is not installed: one line and exit 4 (README's exit table);
    PlatformIO is never started, so there is no minute of download retries to wait through."""
    generate_project(models_dir / "hello_world_int8.tflite", board, tmp_path / "p")
    core = tmp_path / "pio-core-online"
    result = subprocess.run(builder.prefix + [str(TINYLARGE), "build", str(tmp_path / "p"), "--env", board],
                            env=dict(builder.env, PLATFORMIO_CORE_DIR=str(core)), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 4, result.stdout + result.stderr
    offline = [e.name for e in load_project(tmp_path / "p").envs if e.offline]
    assert result.stderr.splitlines() == [
        f"error: env {board} needs the {platform} platform from the PlatformIO registry: run online once "
        "(PlatformIO's registry is not reachable)" + (f"; or use the offline env (--env {offline[0]})" if offline else "")]
    assert not core.exists()


def test_a_moved_project_builds_offline(builder, models_dir, tmp_path):
    """platformio.ini names nothing inside the tinylarge install or the project's old folder."""
    from toolchain import PROJECT_ROOT

    generate_project(models_dir / "hello_world_int8.tflite", "nrf52840_dk", tmp_path / "first")
    moved = tmp_path / "elsewhere" / "second"
    moved.parent.mkdir()
    shutil.move(tmp_path / "first", moved)
    ini = (moved / "platformio.ini").read_text()
    assert str(PROJECT_ROOT) not in ini and str(tmp_path / "first") not in ini
    builder.build(moved)
    assert load_project(moved).elf_path() == moved / ".pio/build/nrf52840_dk_offline/firmware.elf"
    assert load_project(moved).elf_path().is_file()


def test_a_project_from_another_users_cache_builds(builder, models_dir, tmp_path, monkeypatch):
    """Generated where the dev-platform lives in one user cache, built where it lives in another
    (a project handed to a colleague): the build points platformio.ini at the builder's copy."""
    monkeypatch.setenv("TINYLARGE_CACHE", str(tmp_path / "cache-of-alice"))
    generate_project(models_dir / "hello_world_int8.tflite", "qemu_mps2_an386", tmp_path / "p")
    alice = platform_location()
    assert f"platform = symlink://{alice}" in (tmp_path / "p" / "platformio.ini").read_text()
    result = subprocess.run(builder.prefix + [str(TINYLARGE), "build", str(tmp_path / "p")],
                            env=dict(builder.env, TINYLARGE_CACHE=str(tmp_path / "cache-of-bob")),
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    bob = tmp_path / "cache-of-bob" / alice.name
    ini = (tmp_path / "p" / "platformio.ini").read_text()
    assert f"platform = symlink://{bob}" in ini and str(alice) not in ini
    assert (bob / "platform.json").is_file() and load_project(tmp_path / "p").elf_path().is_file()
