"""The board catalog: one TOML file per board in boards/, validated into typed Board objects.

A board is data. Every later stage asks the board (CPU features, memory, console UART, USB IDs,
PlatformIO names, flash methods, emulators); none tests a board's name.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toolchain import BOARDS_DIR
from toolchain.errors import BoardError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cpu(_Strict):
    core: str  # compiler CPU name: cortex-m4, cortex-m55, esp32, rv32imc ...
    arch: str  # ISA: armv7e-m, armv8.1-m.main, rv32imc, xtensa-lx6 ...
    family: Literal["arm", "riscv", "xtensa"]
    fpu: str = ""  # GCC -mfpu name, "" without a single-precision FPU
    dsp: bool = False  # Arm DSP extension (SIMD MAC intrinsics)
    mve: bool = False  # Arm Helium
    clock_hz: int = Field(gt=0)  # the clock the generated firmware runs at

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(f for f, on in (("fpu", bool(self.fpu)), ("dsp", self.dsp), ("mve", self.mve)) if on)


class Memory(_Strict):
    flash_bytes: int = Field(gt=0)
    ram_bytes: int = Field(gt=0)
    flash_origin: int = Field(ge=0)
    ram_origin: int = Field(ge=0)


class Console(_Strict):
    driver: str  # HAL port that drives it: cmsdk_uart, stm32_usart, nrf_uarte, arduino_serial, ...
    instance: str  # peripheral name as in the reference manual (UART0, USART2, ...)
    base: int = Field(ge=0)  # register block address (0 where a framework owns the port)
    irq: int = Field(ge=-1)  # RX interrupt number, -1 where a framework owns it
    baud: int = Field(gt=0)
    pins: str  # "TX PA2, RX PA3" or the bridge it is wired to
    usb_bridge: str = ""  # what the host sees: "ST-LINK/V2-1 VCP", "CP2102", "native USB CDC"
    # Register-level ports only (bare metal):
    clock_hz: int = Field(default=0, ge=0)  # clock the baud divisor is computed from (0: framework port)
    clock_enables: list[tuple[int, int]] = Field(default_factory=list)  # (register, bit) set first (STM32 RCC)
    gpio_port: int = Field(default=0, ge=0)  # GPIO block of the TX/RX pins (STM32)
    tx_pin: int = -1  # pin in its port (STM32) or PSEL value port*32+pin (nRF)
    rx_pin: int = -1
    pin_af: int = Field(default=0, ge=0)  # alternate-function number of both pins (STM32)


class Usb(_Strict):
    vid_pid: list[str] = Field(default_factory=list)  # "0483:374b", lowercase hex

    @field_validator("vid_pid")
    @classmethod
    def _hex_pairs(cls, value: list[str]) -> list[str]:
        for item in value:
            vid, _, pid = item.partition(":")
            if len(vid) != 4 or len(pid) != 4 or not all(c in "0123456789abcdef" for c in vid + pid):
                raise ValueError(f"{item!r} is not a lowercase VID:PID like '0483:374b'")
        return value


class PlatformIO(_Strict):
    platform: str  # official platform (ststm32, nordicnrf52, raspberrypi, espressif32) or "local"
    board: str  # PlatformIO board ID
    framework: str = ""  # "" for bare metal
    offline: bool = False  # builds with the project's local dev-platform and Debian's cross gcc
    version: str = ""  # the official platform's pinned release ("6.10.0"); "" only for "local"

    @model_validator(mode="after")
    def _official_platform_is_pinned(self) -> "PlatformIO":
        if self.platform != "local" and not self.version:
            raise ValueError(f"platform {self.platform!r} needs a pinned version (platformio.version)")
        return self

    @property
    def spec(self) -> str:
        """The platformio.ini `platform` value: name@version for the registry's platforms."""
        return f"{self.platform}@{self.version}" if self.version else self.platform


class Flash(_Strict):
    methods: list[Literal["pio", "openocd", "pyocd", "esptool", "uf2", "emulator"]] = Field(min_length=1)
    openocd_interface: str = ""
    openocd_target: str = ""
    pyocd_target: str = ""
    esptool_chip: str = ""
    uf2_family: str = ""


class QemuEmulator(_Strict):
    machine: str
    binary: str = "qemu-system-arm"
    serial_index: int = Field(default=0, ge=0)  # which of the machine's UARTs is the console (-serial order)


class RenodeEmulator(_Strict):
    platform: str  # platform description (.repl) path inside Renode
    uart: str  # sysbus peripheral of the console


class Emulators(_Strict):
    qemu: Optional[QemuEmulator] = None
    renode: Optional[RenodeEmulator] = None


class Led(_Strict):
    """The user LED a bare-metal build drives (tl_hal_led)."""

    driver: Literal["stm32_gpio", "nrf_gpio"]
    port: int = Field(ge=0)  # GPIO block base address
    pin: int = Field(ge=0, le=31)
    active_low: bool = False
    clock_enable: Optional[tuple[int, int]] = None  # (register, bit) set first (STM32 RCC)

    @model_validator(mode="after")
    def _stm32_needs_clock(self) -> "Led":
        if self.driver == "stm32_gpio" and self.clock_enable is None:
            raise ValueError("an stm32_gpio LED needs clock_enable = [RCC register, bit]")
        return self


class BareMetal(_Strict):
    """A register-level build (no framework): startup code, vector table and linker script are
    generated from this plus `memory`; `console`/`memory` here replace the board's for a bare-metal
    emulator build of a framework board (e.g. the Nano 33 BLE's UARTE0 instead of its USB serial)."""

    num_irqs: int = Field(gt=0)  # external interrupts in the vector table
    counter: Literal["systick_icount", "dwt_cyccnt", "riscv_minstret"]
    counter_clock_hz: int = Field(default=0, ge=0)  # SysTick clock under QEMU (systick_icount only)
    exit: Literal["semihosting", "park"]  # semihosting on emulators, park on boards without a debugger
    # True when this build only runs on an emulator (another memory map or console than the real
    # board): its env is named <board>_emulator and `flash` refuses to write it to hardware.
    emulator_only: bool = False
    stack_bytes: int = Field(default=8192, gt=0)
    console: Optional[Console] = None
    memory: Optional[Memory] = None
    led: Optional[Led] = None  # absent: tl_hal_led is a no-op


class Board(_Strict):
    id: str
    name: str
    cpu: Cpu
    memory: Memory
    console: Console
    usb: Usb = Usb()
    platformio: PlatformIO
    flash: Flash
    emulators: Emulators = Emulators()
    baremetal: Optional[BareMetal] = None  # absent: only a framework build exists
    source: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _offline_needs_baremetal(self) -> "Board":
        if self.platformio.offline and self.baremetal is None:
            raise ValueError("platformio.offline needs a [baremetal] section (the offline build is bare metal)")
        if self.platformio.platform == "local" and not self.platformio.offline:
            raise ValueError("platformio.platform 'local' (the project's dev-platform) builds offline only")
        return self


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"])
    return f"field '{where}': {error['msg']}"


def load_board_file(path: Path) -> Board:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BoardError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BoardError(f"{path}: not valid TOML ({exc})") from None
    try:
        board = Board(**data, source=str(path))
    except ValidationError as exc:
        raise BoardError(f"{path}: {'; '.join(_describe(e) for e in exc.errors()[:3])}") from None
    if board.id != path.stem:
        raise BoardError(f"{path}: field 'id' is {board.id!r} but the file is named {path.stem!r}")
    return board


@lru_cache(maxsize=None)
def load_catalog(directory: Path = BOARDS_DIR) -> dict[str, Board]:
    return {p.stem: load_board_file(p) for p in sorted(Path(directory).glob("*.toml"))}


def load_board(name: str, directory: Path = BOARDS_DIR) -> Board:
    catalog = load_catalog(Path(directory))
    if name not in catalog:
        raise BoardError(f"unknown board {name!r}; known boards: {', '.join(sorted(catalog))}")
    return catalog[name]
