"""UF2 images (Microsoft's USB flashing format, used by the RP2040 boot ROM): 512-byte blocks,
each carrying 256 bytes for one flash address, tagged with the chip family ID."""
from __future__ import annotations

import struct
from pathlib import Path

from toolchain.errors import ToolchainError

MAGIC_START0, MAGIC_START1, MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
FLAG_FAMILY_ID = 0x00002000
PAYLOAD = 256


class Uf2Error(ToolchainError):
    """The ELF has nothing to flash, or a UF2 file is malformed."""


def elf_segments(elf: Path) -> list[tuple[int, bytes]]:
    """(load address, bytes) of every loadable segment with file contents."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    try:
        with open(elf, "rb") as f:
            image = ELFFile(f)
            segments = [(s["p_paddr"], s.data()) for s in image.iter_segments()
                        if s["p_type"] == "PT_LOAD" and s["p_filesz"] > 0]
    except (OSError, ELFError) as exc:
        raise Uf2Error(f"{elf}: not a readable ELF ({exc})") from None
    if not segments:
        raise Uf2Error(f"{elf}: no loadable segments")
    return segments


def to_uf2(segments: list[tuple[int, bytes]], family_id: int) -> bytes:
    pages: dict[int, bytearray] = {}
    for address, data in segments:
        for at in range(len(data)):
            base = (address + at) & ~(PAYLOAD - 1)
            page = pages.setdefault(base, bytearray(PAYLOAD))
            page[(address + at) - base] = data[at]
    blocks = []
    for number, base in enumerate(sorted(pages)):
        header = struct.pack("<8I", MAGIC_START0, MAGIC_START1, FLAG_FAMILY_ID, base, PAYLOAD, number,
                             len(pages), family_id)
        blocks.append(header + bytes(pages[base]) + bytes(476 - PAYLOAD) + struct.pack("<I", MAGIC_END))
    return b"".join(blocks)


def parse_uf2(data: bytes) -> list[tuple[int, bytes, int]]:
    """(address, payload, family) per block; raises Uf2Error on a malformed image."""
    if len(data) % 512:
        raise Uf2Error(f"UF2 image of {len(data)} bytes is not a whole number of 512-byte blocks")
    out = []
    for at in range(0, len(data), 512):
        m0, m1, flags, address, size, number, total, family = struct.unpack_from("<8I", data, at)
        (end,) = struct.unpack_from("<I", data, at + 508)
        if (m0, m1, end) != (MAGIC_START0, MAGIC_START1, MAGIC_END) or size > 476:
            raise Uf2Error(f"UF2 block {at // 512} has bad magic numbers or size")
        out.append((address, data[at + 32:at + 32 + size], family))
    return out
