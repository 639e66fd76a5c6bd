"""Does a model fit a board? An estimate before any firmware is built (the build reports the truth)."""
from __future__ import annotations

from dataclasses import dataclass

from toolchain.boards import Board
from toolchain.model.graph import Graph

# Measured on arm-none-eabi-gcc -Os builds of the firmware: startup, HAL, protocol and libc pieces,
# then a typical portable kernel and one generated call site.
FIRMWARE_BASE_FLASH = 12 * 1024
FLASH_PER_KERNEL = 2 * 1024
FLASH_PER_CALL = 96
STACK_BYTES = 4 * 1024
RUNTIME_RAM = 1024  # HAL ring buffers and protocol state, beside the model's I/O copies


@dataclass(frozen=True)
class FitReport:
    board: str
    flash_needed: int
    flash_available: int
    ram_needed: int
    ram_available: int

    @property
    def fits(self) -> bool:
        return self.flash_needed <= self.flash_available and self.ram_needed <= self.ram_available

    def describe(self) -> str:
        return (f"flash {self.flash_needed:,} of {self.flash_available:,} B, "
                f"RAM {self.ram_needed:,} of {self.ram_available:,} B on {self.board}")


def estimate_fit(graph: Graph, arena_bytes: int, board: Board) -> FitReport:
    kernels = {op.op for op in graph.operators}
    flash = (graph.weight_bytes() + FIRMWARE_BASE_FLASH + FLASH_PER_KERNEL * len(kernels)
             + FLASH_PER_CALL * len(graph.operators))
    io_bytes = sum(t.nbytes for t in graph.input_tensors) + sum(t.nbytes for t in graph.output_tensors)
    ram = arena_bytes + STACK_BYTES + RUNTIME_RAM + io_bytes
    return FitReport(board.id, flash, board.memory.flash_bytes, ram, board.memory.ram_bytes)
