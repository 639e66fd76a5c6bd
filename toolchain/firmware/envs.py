"""The PlatformIO environments of a generated project, decided from board data.

- A board on an official platform gets an env for it (`platform = ststm32` ...), built online by
  PlatformIO with its packages: with the board's framework (Arduino port) or bare metal.
- A board with `platformio.offline` also gets an env on the project's local dev-platform, built
  with the system's cross GCC and no network: `<board>` for emulator boards (platform "local"),
  `<board>_emulator` when the bare-metal build only fits an emulator (`baremetal.emulator_only`:
  another memory map or console than the real board), `<board>_offline` for a hardware build.
- The default env is the offline hardware build where there is one, else the offline emulator
  build (so `tinylarge build` works offline; `flash` refuses emulator images), else the online one.
"""
from __future__ import annotations

from dataclasses import dataclass

from toolchain.boards import Board
from toolchain.firmware.hal import HalVariant, arduino_variant, baremetal_variant
from toolchain.firmware.offline import platform_location
from toolchain.flash.methods import pio_upload_command

_TOOLCHAIN_PREFIX = {"arm": "arm-none-eabi-", "riscv": "riscv64-unknown-elf-"}


@dataclass(frozen=True)
class Environment:
    name: str
    platform: str  # official name@pinned version, or symlink:// to the dev-platform in the user cache
    board: str  # PlatformIO board id (the local ones live in the project's boards/ folder)
    framework: str
    hal: HalVariant
    offline: bool
    emulator: bool = False  # an image for an emulator only: never flashed to hardware
    upload_command: str = ""  # offline hardware envs: what `pio run -t upload` runs ($SOURCE: the ELF)
    platform_name: str = ""  # the registry platform an online env needs ("" offline)

    @property
    def monitor_speed(self) -> int:
        return self.hal.console.baud

    @property
    def ldscript(self) -> str:
        return f"src/hal/{self.hal.name}/tl_board.ld" if self.hal.name == "baremetal" else ""

    @property
    def elf_path(self) -> str:
        return f".pio/build/{self.name}/firmware.elf"


def environments(board: Board) -> list[Environment]:
    envs = []
    if board.platformio.platform != "local":
        variant = arduino_variant(board) if board.platformio.framework else baremetal_variant(board)
        envs.append(Environment(board.id, board.platformio.spec, board.platformio.board,
                                board.platformio.framework, variant, offline=False,
                                platform_name=board.platformio.platform))
    if board.platformio.offline:
        local = board.platformio.platform == "local"
        emulator = local or board.baremetal.emulator_only
        name = board.id if local else f"{board.id}_{'emulator' if emulator else 'offline'}"
        envs.append(Environment(name, "symlink://" + platform_location().as_posix(), local_board_id(board), "",
                                baremetal_variant(board), offline=True, emulator=emulator,
                                upload_command="" if emulator else pio_upload_command(board)))
    return envs


def default_environment(envs: list[Environment]) -> Environment:
    offline = [e for e in envs if e.offline]
    return next((e for e in offline if not e.emulator), offline[0] if offline else envs[0])


def local_board_id(board: Board) -> str:
    return f"tl_{board.id}"


def toolchain_prefix(board: Board) -> str:
    """The cross GCC's prefix for the board's architecture (arm-none-eabi-, ...)."""
    return _TOOLCHAIN_PREFIX[board.cpu.family]


def compile_flags(board: Board) -> list[str]:
    cpu = board.cpu
    if cpu.family == "riscv":
        return [f"-march={cpu.arch}_zicsr", "-mabi=ilp32", "--specs=picolibc.specs"]
    flags = [f"-mcpu={cpu.core}", "-mthumb"]
    if cpu.mve:  # -mfpu=auto keeps Helium; naming an FPU would turn MVE off
        return flags + ["-mfloat-abi=hard"]
    if cpu.fpu:
        return flags + ["-mfloat-abi=hard", f"-mfpu={cpu.fpu}"]
    return flags + ["-mfloat-abi=soft"]


def link_flags(board: Board) -> list[str]:
    if board.cpu.family == "riscv":  # no rv32imc multilib: link against rv32im
        base = board.cpu.arch.rstrip("c") if board.cpu.arch.endswith("c") else board.cpu.arch
        return [f"-march={base}", "-mabi=ilp32", "--specs=picolibc.specs"]
    return compile_flags(board) + ["--specs=nano.specs", "--specs=nosys.specs"]


def local_board_manifest(board: Board, hal: HalVariant) -> dict:
    """The board JSON the local dev-platform reads (PlatformIO's board manifest + our build.tl_*)."""
    return {
        "build": {
            "cpu": board.cpu.core,
            "f_cpu": f"{board.cpu.clock_hz}L",
            "mcu": board.cpu.core,
            "tl_toolchain_prefix": toolchain_prefix(board),
            "tl_cpu_flags": compile_flags(board),
            "tl_link_flags": link_flags(board),
        },
        "frameworks": [],
        "name": f"{board.name} (tinylarge bare metal)",
        "upload": {"maximum_size": hal.memory.flash_bytes, "maximum_ram_size": hal.memory.ram_bytes,
                   "protocol": "custom"},
        "url": "https://github.com/tinylarge/tinylarge",
        "vendor": "tinylarge",
    }
