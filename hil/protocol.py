"""Host side of the tinylarge HIL wire protocol (docs/protocol.md): COBS framing, CRC-32, and
the typed messages. Pure functions and a streaming decoder; no I/O here (that is hil.link)."""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from cobs import cobs

from toolchain.errors import ToolchainError

PROTOCOL_VERSION = 1
DELIMITER = b"\x00"
NO_SEQ = 0xFFFF  # seq of device errors about frames it could not read

HELLO, LOAD, RUN, READ = 0x01, 0x02, 0x03, 0x04
IDENTITY, ACK, RESULT, ERROR, LOG = 0x81, 0x82, 0x83, 0x84, 0x85
TYPE_NAMES = {HELLO: "HELLO", LOAD: "LOAD", RUN: "RUN", READ: "READ", IDENTITY: "IDENTITY",
              ACK: "ACK", RESULT: "RESULT", ERROR: "ERROR", LOG: "LOG"}

RESULT_REPLAYED = 0x01
ERR_BAD_FRAME, ERR_TOO_LONG, ERR_UNKNOWN_TYPE, ERR_BAD_LENGTH = 1, 2, 3, 4
ERR_BAD_TENSOR, ERR_BAD_OFFSET, ERR_NOT_LOADED, ERR_NO_RESULT = 5, 6, 7, 8
ERROR_NAMES = {ERR_BAD_FRAME: "BAD_FRAME", ERR_TOO_LONG: "TOO_LONG", ERR_UNKNOWN_TYPE: "UNKNOWN_TYPE",
               ERR_BAD_LENGTH: "BAD_LENGTH", ERR_BAD_TENSOR: "BAD_TENSOR", ERR_BAD_OFFSET: "BAD_OFFSET",
               ERR_NOT_LOADED: "NOT_LOADED", ERR_NO_RESULT: "NO_RESULT"}

LOAD_HEADER_BYTES = 9  # request u32, tensor u8, offset u32
FRAME_OVERHEAD = 7  # type u8, seq u16, crc u32

# TFLite TensorType codes -> numpy dtype names (the same numbering as tl_runtime.h)
DTYPES = {0: "float32", 2: "int32", 3: "uint8", 4: "int64", 6: "bool", 7: "int16", 9: "int8"}


class ProtocolError(ToolchainError):
    """A frame or message that breaks the protocol (garbled, truncated, wrong fields)."""


# ---- COBS ----
def cobs_encode(data: bytes) -> bytes:
    """COBS without the trailing delimiter. Always ends with a (possibly empty) block, exactly as
    the device's streaming encoder does: where the data ends with a full 254-byte block, the
    `cobs` package stops, so the final empty block (0x01) is added here."""
    encoded = cobs.encode(data)
    last_run = len(data) - (data.rfind(0) + 1)
    return encoded + b"\x01" if last_run and last_run % 254 == 0 else encoded


def cobs_decode(data: bytes) -> bytes:
    try:
        return cobs.decode(data)
    except cobs.DecodeError as exc:
        raise ProtocolError(f"COBS: {exc}") from None


# ---- frames ----
@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes

    @property
    def name(self) -> str:
        return TYPE_NAMES.get(self.type, f"0x{self.type:02x}")


def encode_frame(frame_type: int, seq: int, payload: bytes = b"") -> bytes:
    """The bytes on the wire: COBS(type, seq, payload, crc32) + 0x00."""
    body = struct.pack("<BH", frame_type, seq) + payload
    return cobs_encode(body + struct.pack("<I", zlib.crc32(body))) + DELIMITER


def decode_frame(encoded: bytes) -> Frame:
    """One frame's bytes between delimiters -> Frame, or ProtocolError saying what is wrong."""
    raw = cobs_decode(encoded)
    if len(raw) < FRAME_OVERHEAD:
        raise ProtocolError(f"frame of {len(raw)} bytes is shorter than the {FRAME_OVERHEAD}-byte minimum")
    body, crc = raw[:-4], struct.unpack("<I", raw[-4:])[0]
    if zlib.crc32(body) != crc:
        raise ProtocolError(f"CRC mismatch (got {crc:08x}, computed {zlib.crc32(body):08x})")
    frame_type, seq = struct.unpack_from("<BH", body)
    return Frame(frame_type, seq, bytes(body[3:]))


class FrameDecoder:
    """Splits a byte stream at 0x00 delimiters. Good frames come out of `feed`; bad ones are
    counted; bytes that are printable text (boot messages) are kept as text lines."""

    def __init__(self, max_frame: int = 1 << 20) -> None:
        self._pending = bytearray()
        self.max_frame = max_frame
        self.bad_frames = 0
        self.text = bytearray()  # the non-frame bytes, for expect_line

    def feed(self, data: bytes) -> list[Frame]:
        frames: list[Frame] = []
        self._pending += data
        while True:
            end = self._pending.find(0)
            if end < 0:
                if len(self._pending) > self.max_frame:  # no delimiter for too long: it's noise
                    self._keep_text(bytes(self._pending))
                    self._pending.clear()
                    self.bad_frames += 1
                return frames
            chunk = bytes(self._pending[:end])
            del self._pending[:end + 1]
            if not chunk:
                continue
            try:
                frames.append(decode_frame(chunk))
            except ProtocolError:
                self._keep_text(chunk)
                if not _looks_like_text(chunk):
                    self.bad_frames += 1

    def pending_text(self) -> bytes:
        """Text received so far that no delimiter has closed yet (a boot line in progress)."""
        return bytes(self._pending) if _looks_like_text(bytes(self._pending)) else b""

    def _keep_text(self, chunk: bytes) -> None:
        if _looks_like_text(chunk):
            self.text += chunk
        else:  # the text part of a frame merged with boot text: keep the text prefix
            prefix = bytearray()
            for byte in chunk:
                if byte in (9, 10, 13) or 32 <= byte < 127:
                    prefix.append(byte)
                else:
                    break
            self.text += prefix


def _looks_like_text(chunk: bytes) -> bool:
    return bool(chunk) and all(b in (9, 10, 13) or 32 <= b < 127 for b in chunk)


# ---- payload helpers ----
class _Reader:
    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.at, self.what = data, 0, what

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise ProtocolError(f"{self.what}: payload ends after {len(self.data)} bytes, expected more")
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return values if len(values) > 1 else values[0]

    def text(self) -> str:
        n = self.take("<B")
        raw = self.take(f"<{n}s") if n else b""
        return raw.decode("utf-8", errors="replace")

    def rest(self) -> bytes:
        out = self.data[self.at:]
        self.at = len(self.data)
        return out

    def done(self) -> None:
        if self.at != len(self.data):
            raise ProtocolError(f"{self.what}: {len(self.data) - self.at} unexpected trailing bytes")


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    bytes: int
    scale: float
    zero_point: int

    def to_json(self) -> dict:
        return {"dtype": self.dtype, "shape": list(self.shape), "bytes": self.bytes,
                "scale": self.scale, "zero_point": self.zero_point}


@dataclass(frozen=True)
class Identity:
    protocol_version: int
    chunk_bytes: int
    rx_window: int
    session: int
    arena_bytes: int
    clock_hz: int
    rx_overflows: int
    board: str
    runtime_version: str
    model_name: str
    model_hash: str
    counter_unit: str
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...] = field(default=())

    @property
    def output_bytes(self) -> int:
        return sum(t.bytes for t in self.outputs)

    def to_json(self) -> dict:
        return {"board": self.board, "runtime_version": self.runtime_version, "model_name": self.model_name,
                "model_hash": self.model_hash, "arena_bytes": self.arena_bytes, "counter_unit": self.counter_unit,
                "clock_hz": self.clock_hz, "protocol_version": self.protocol_version,
                "inputs": [t.to_json() for t in self.inputs], "outputs": [t.to_json() for t in self.outputs]}


def _tensor_info(r: _Reader) -> TensorInfo:
    dtype_code, rank = r.take("<BB")
    if dtype_code not in DTYPES:
        raise ProtocolError(f"IDENTITY: unknown tensor type code {dtype_code}")
    if rank > 6:
        raise ProtocolError(f"IDENTITY: tensor rank {rank} > 6")
    shape = tuple(r.take("<I") for _ in range(rank))
    nbytes, scale, zero_point = r.take("<Ifi")
    return TensorInfo(DTYPES[dtype_code], shape, nbytes, scale, zero_point)


def parse_identity(payload: bytes) -> Identity:
    r = _Reader(payload, "IDENTITY")
    version, chunk, window, session, arena, clock, overflows = r.take("<BHHIIII")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"device speaks protocol version {version}, this host speaks {PROTOCOL_VERSION}")
    if chunk == 0:
        raise ProtocolError("IDENTITY: chunk size 0")
    board, runtime, name, model_hash, unit = (r.text() for _ in range(5))
    inputs = tuple(_tensor_info(r) for _ in range(r.take("<B")))
    outputs = tuple(_tensor_info(r) for _ in range(r.take("<B")))
    r.done()
    return Identity(version, chunk, window, session, arena, clock, overflows, board, runtime, name,
                    model_hash, unit, inputs, outputs)


@dataclass(frozen=True)
class Ack:
    request: int
    tensor: int
    offset: int
    length: int


def parse_ack(payload: bytes) -> Ack:
    r = _Reader(payload, "ACK")
    ack = Ack(*r.take("<IBIH"))
    r.done()
    return ack


@dataclass(frozen=True)
class ResultChunk:
    request: int
    replayed: bool
    counter: int
    total: int
    offset: int
    data: bytes


def parse_result(payload: bytes) -> ResultChunk:
    r = _Reader(payload, "RESULT")
    request, flags, counter, total, offset = r.take("<IBIII")
    data = r.rest()
    if offset + len(data) > total:
        raise ProtocolError(f"RESULT: chunk at {offset} of {len(data)} bytes runs past the total {total}")
    return ResultChunk(request, bool(flags & RESULT_REPLAYED), counter, total, offset, data)


@dataclass(frozen=True)
class DeviceError:
    code: int
    request: int
    text: str

    @property
    def name(self) -> str:
        return ERROR_NAMES.get(self.code, f"code {self.code}")


def parse_error(payload: bytes) -> DeviceError:
    r = _Reader(payload, "ERROR")
    code, request = r.take("<BI")
    text = r.text()
    r.done()
    return DeviceError(code, request, text)


def parse_log(payload: bytes) -> tuple[int, str]:
    r = _Reader(payload, "LOG")
    level = r.take("<B")
    text = r.text()
    r.done()
    return level, text


def hello_payload(session: int) -> bytes:
    return struct.pack("<I", session)


def load_payload(request: int, tensor: int, offset: int, data: bytes) -> bytes:
    return struct.pack("<IBI", request, tensor, offset) + data


def run_payload(request: int) -> bytes:
    return struct.pack("<I", request)


def read_payload(request: int, offset: int) -> bytes:
    return struct.pack("<II", request, offset)
