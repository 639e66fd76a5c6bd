"""Which HAL files and which tl_board.h definitions a board's build gets, decided from board data.

Two variants: "baremetal" (register-level ports, our startup code and linker script) and
"arduino" (the framework owns the console; one port for all Arduino cores).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from toolchain import RUNTIME_DIR
from toolchain.boards import Board, Console, Memory
from toolchain.errors import BoardError

HAL_DIR = RUNTIME_DIR / "hal"
NS_PER_SECOND = 1_000_000_000

_ARCH_FILES = {
    "arm": ("tl_arch_cortexm.h", "startup_cortexm.c"),
    "riscv": ("tl_arch_riscv.h", "startup_riscv.S", "trap_riscv.c"),
}
_EXIT_FILES = {("semihosting", "arm"): "exit_semihosting_arm.c",
               ("semihosting", "riscv"): "exit_semihosting_riscv.c"}
_COMMON_FILES = ("tl_hal.h", "tl_hal_port.h", "tl_ring.h", "tl_hal_core.c")
_ARDUINO_FILES = ("tl_hal.h", "hal_arduino.cpp")
_PORT_HEADERS = {"stm32_usart": ("tl_stm32_pins.h",), "stm32_usart_v2": ("tl_stm32_pins.h",)}


@dataclass(frozen=True)
class HalVariant:
    name: str  # "baremetal" | "arduino"
    files: tuple[str, ...]  # file names in toolchain/runtime/hal/
    defines: tuple[tuple[str, str], ...]  # tl_board.h: (macro, C value)
    arch_header: str  # included by tl_board.h ("" for the Arduino variant)
    console: Console
    memory: Memory


def baremetal_variant(board: Board) -> HalVariant:
    metal = board.baremetal
    if metal is None:
        raise BoardError(f"board {board.id!r} has no [baremetal] section: only a framework build exists")
    console = metal.console or board.console
    family = board.cpu.family
    if family not in _ARCH_FILES:
        raise BoardError(f"board {board.id!r}: no bare-metal support for the {family} architecture")
    port = f"console_{console.driver}.c"
    if not (HAL_DIR / port).is_file():
        raise BoardError(f"board {board.id!r}: no register-level HAL port for console driver {console.driver!r}")
    exit_file = _EXIT_FILES.get((metal.exit, family), "exit_park.c")
    arch_header, *arch_sources = _ARCH_FILES[family]
    led_file = f"led_{metal.led.driver}.c" if metal.led else "led_none.c"
    files = _COMMON_FILES + (arch_header, *arch_sources, port, *_PORT_HEADERS.get(console.driver, ()),
                             f"counter_{metal.counter}.c", exit_file, led_file)
    return HalVariant("baremetal", tuple(sorted(files)), _baremetal_defines(board, console), arch_header,
                      console, metal.memory or board.memory)


def arduino_variant(board: Board) -> HalVariant:
    defines = _identity_defines(board) + (("TL_CONSOLE_BAUD", f"{board.console.baud}u"),)
    return HalVariant("arduino", _ARDUINO_FILES, defines, "", board.console, board.memory)


def _identity_defines(board: Board) -> tuple[tuple[str, str], ...]:
    return (("TL_BOARD_NAME", f'"{board.id}"'), ("TL_BOARD_CLOCK_HZ", f"{board.cpu.clock_hz}u"))


def _baremetal_defines(board: Board, console: Console) -> tuple[tuple[str, str], ...]:
    metal = board.baremetal
    defines = list(_identity_defines(board))
    defines += [
        ("TL_HAS_FPU", "1" if board.cpu.fpu else "0"),
        ("TL_NUM_IRQS", str(metal.num_irqs)),
        ("TL_CONSOLE_BASE", f"0x{console.base:08X}u"),
        ("TL_CONSOLE_IRQ", str(console.irq)),
        ("TL_CONSOLE_BAUD", f"{console.baud}u"),
        ("TL_CONSOLE_CLOCK_HZ", f"{console.clock_hz}u"),
    ]
    if console.clock_enables:
        pairs = ", ".join(f"{{0x{reg:08X}u, {bit}u}}" for reg, bit in console.clock_enables)
        defines += [("TL_CONSOLE_CLOCK_ENABLES", pairs), ("TL_CONSOLE_GPIO_PORT", f"0x{console.gpio_port:08X}u"),
                    ("TL_CONSOLE_PIN_AF", f"{console.pin_af}u")]
    if console.tx_pin >= 0:
        defines += [("TL_CONSOLE_TX_PIN", f"{console.tx_pin}u"), ("TL_CONSOLE_RX_PIN", f"{console.rx_pin}u")]
    if metal.led:
        defines += [("TL_LED_PORT", f"0x{metal.led.port:08X}u"), ("TL_LED_PIN", f"{metal.led.pin}u"),
                    ("TL_LED_ACTIVE_LOW", "1" if metal.led.active_low else "0")]
        if metal.led.clock_enable:
            register, bit = metal.led.clock_enable
            defines += [("TL_LED_CLOCK_REGISTER", f"0x{register:08X}u"), ("TL_LED_CLOCK_BIT", f"{bit}u")]
    if metal.counter == "systick_icount":
        if metal.counter_clock_hz <= 0:
            raise BoardError(f"board {board.id!r}: counter 'systick_icount' needs baremetal.counter_clock_hz")
        # ns per SysTick tick = instructions per tick at -icount shift=0, as an exact fraction
        per_tick = Fraction(NS_PER_SECOND, metal.counter_clock_hz)
        defines += [("TL_COUNTER_NUM", f"{per_tick.numerator}ull"), ("TL_COUNTER_DEN", f"{per_tick.denominator}ull")]
    return tuple(defines)
