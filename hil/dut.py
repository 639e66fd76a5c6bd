"""A device under test behind a link: boot text with `expect_line`, and the protocol's requests
with retries (`identity`, `infer`). In the spirit of pytest-embedded's `dut.expect`.

Reliability rules (docs/protocol.md, "Retries"):
- every request frame is retransmitted unchanged (same seq) until its answer arrives;
  LOAD and RUN are idempotent on the device, so a retransmit never runs a model twice;
- an unprompted IDENTITY with seq 0 means the device booted again: its loaded inputs and cached
  result are gone, so the host says HELLO again, checks it is the same model, and redoes the
  inference from its first chunk;
- NOT_LOADED / NO_RESULT errors (a reset whose boot frame was lost) also restart the inference.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from hil import protocol as P
from hil.link import Link, LinkClosed
from toolchain.errors import ToolchainError


class DeviceError(ToolchainError):
    """The device answered with an error it cannot recover from (bad request, wrong model)."""


class DeviceTimeout(ToolchainError):
    """The device stopped answering."""


class IdentityChanged(ToolchainError):
    """After a reset the device reported a different model or board."""


class _DeviceReset(Exception):
    """Internal: the device booted again in the middle of a transaction."""


class _DeviceLostState(Exception):
    """Internal: the device no longer holds this request's inputs or result."""


@dataclass
class DutStats:
    retransmits: int = 0
    bad_frames_in: int = 0     # frames from the device that failed COBS/CRC
    bad_frames_out: int = 0    # device reported a frame from us failed its checks
    resets: int = 0            # device reboots seen (boot IDENTITY) during the session
    restarts: int = 0          # inferences reloaded because the device had lost their inputs
    replays: int = 0           # RESULTs answered from the device's cache (not run again)
    inferences: int = 0
    reconnects: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Inference:
    outputs: list[np.ndarray]
    counter: int
    unit: str
    request: int
    wall_s: float


@dataclass
class _Job:
    request: int
    tensors: list[bytes]
    loaded: bool = False  # every chunk acknowledged by the device since its last state loss


@dataclass
class _Request:
    type: int
    payload: bytes
    seq: int = 0
    wire: bytes = b""
    timeout: float = 0.5
    sent_at: float = 0.0
    tries: int = 0
    answer: P.Frame | None = None


@dataclass
class _Timeouts:
    response: float = 0.5     # first wait for an answer (doubles on every retransmit)
    attempts: int = 12        # transmissions of one frame before giving up
    reconnect: float = 30.0   # how long a closed link may take to come back


class Dut:
    def __init__(self, link: Link, *, response_timeout: float = 0.5, attempts: int = 12,
                 reconnect_timeout: float = 30.0) -> None:
        self.link = link
        self.timeouts = _Timeouts(response_timeout, attempts, reconnect_timeout)
        self.stats = DutStats()
        self.logs: list[tuple[int, str]] = []
        self._decoder = P.FrameDecoder()
        self._backlog: list[P.Frame] = []
        self._text_seen = 0
        self._seq = 0
        self._request_id = secrets.randbits(31) + 1  # never collides with a previous host's ids
        self._session = secrets.randbits(32) | 1
        self._identity: P.Identity | None = None
        self._slowest_run = 0.0  # seconds from RUN to RESULT without a retransmit

    # ---- boot text ----
    def expect_line(self, pattern: str | re.Pattern, timeout: float = 10.0) -> re.Match:
        """Waits for a line of plain text (boot messages) matching `pattern`; returns the match."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            text = bytes(self._decoder.text) + self._decoder.pending_text()
            newline = text.find(b"\n", self._text_seen)
            if newline >= 0:
                line = text[self._text_seen:newline].decode("ascii", errors="replace").strip("\r")
                self._text_seen = newline + 1
                match = regex.search(line)
                if match:
                    return match
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeout(f"no line matching {regex.pattern!r} within {timeout:g} s")
            self._backlog += self._receive(min(remaining, 0.2))

    @property
    def text(self) -> str:
        """All boot/plain text received so far."""
        return bytes(self._decoder.text).decode("ascii", errors="replace")

    # ---- protocol ----
    def identity(self, refresh: bool = False) -> P.Identity:
        """HELLO -> IDENTITY (cached after the first call unless `refresh`)."""
        if self._identity is None or refresh:
            self.link.write(P.DELIMITER)  # ends any partial frame in the device's decoder
            answer = self._transact([_Request(P.HELLO, P.hello_payload(self._session))], expect_boot=False)[0]
            identity = P.parse_identity(_expect(answer, P.IDENTITY).payload)
            if self._identity is not None:
                _check_same_device(self._identity, identity)
            self._identity = identity
        return self._identity

    def infer(self, inputs: np.ndarray | list[np.ndarray]) -> Inference:
        """Runs one inference: inputs (one array per model input, its dtype and shape) -> outputs."""
        return next(self.infer_many([inputs]))

    def infer_many(self, samples: Iterable) -> Iterator[Inference]:
        """Runs one inference per sample, in order, pipelined: the next sample's chunks travel
        while the device computes the current one and sends its result (they wait in the device's
        RX ring, never more than its advertised window)."""
        identity = self.identity()
        current: _Job | None = None
        for inputs in samples:
            upcoming = _Job(self._new_request(), _input_bytes(identity, inputs))
            if current is None:
                current = upcoming
                continue
            yield self._complete(identity, current, upcoming)
            current = upcoming
        if current is not None:
            yield self._complete(identity, current, None)

    def close(self) -> None:
        self.link.close()

    # ---- internals ----
    def _new_request(self) -> int:
        self._request_id = (self._request_id % 0xFFFFFFFF) + 1
        return self._request_id

    def _complete(self, identity: P.Identity, job: "_Job", upcoming: "_Job | None") -> Inference:
        """Loads `job` if needed, runs it with `upcoming`'s chunks queued behind the RUN, and
        collects the whole result. Restarts from the chunks when the device lost its state."""
        started = time.monotonic()
        for _ in range(self.timeouts.attempts):
            try:
                counter, data = self._try_complete(identity, job, upcoming)
                break
            except _DeviceReset:
                self.stats.resets += 1
                self.identity(refresh=True)
                job.loaded = False
            except _DeviceLostState:
                self.stats.restarts += 1
                job.loaded = False
            if upcoming is not None:
                upcoming.loaded = False  # reloading `job` replaced whatever the device held for it
        else:
            raise DeviceTimeout(f"inference {job.request} restarted {self.timeouts.attempts} times without a result")
        self.stats.inferences += 1
        return Inference(_split_outputs(identity, data), counter, identity.counter_unit, job.request,
                         time.monotonic() - started)

    def _loads(self, identity: P.Identity, job: "_Job") -> list[_Request]:
        chunk = identity.chunk_bytes
        return [_Request(P.LOAD, P.load_payload(job.request, index, offset, data[offset:offset + chunk]))
                for index, data in enumerate(job.tensors) for offset in range(0, len(data), chunk)]

    def _try_complete(self, identity: P.Identity, job: "_Job", upcoming: "_Job | None") -> tuple[int, bytes]:
        window = identity.rx_window
        ahead = [] if job.loaded else self._loads(identity, job)
        # RUN before the next job's chunks: the device handles frames in order, so they cannot
        # disturb this run, and they travel while it computes.
        behind = self._loads(identity, upcoming) if upcoming is not None and not upcoming.loaded else []
        run = _Request(P.RUN, P.run_payload(job.request), timeout=self._run_timeout())
        answers = self._transact(ahead + [run] + behind, window=window)
        loads = ahead + behind
        for load, answer in zip(loads, answers[:len(ahead)] + answers[len(ahead) + 1:]):
            _check_ack(load, _expect(answer, P.ACK))
        job.loaded = True
        if upcoming is not None and behind:
            upcoming.loaded = True
        run_answer = answers[len(ahead)]
        if ahead and not behind and _is_error(run_answer, P.ERR_NOT_LOADED):
            # The RUN overtook a LOAD that was being retransmitted; all chunks are acked now.
            run_answer = self._transact([_Request(P.RUN, P.run_payload(job.request), timeout=self._run_timeout())])[0]
        first = self._result_or_restart(run_answer, job.request)
        if first.total != identity.output_bytes:
            raise P.ProtocolError(f"RESULT holds {first.total} bytes, the identity promised {identity.output_bytes}")
        data = bytearray(first.total)
        data[:len(first.data)] = first.data
        reads = [_Request(P.READ, P.read_payload(job.request, offset))
                 for offset in range(len(first.data), first.total, identity.chunk_bytes)] if first.data else []
        for answer in self._transact(reads, window=window):
            part = self._result_or_restart(answer, job.request)
            data[part.offset:part.offset + len(part.data)] = part.data
        if first.replayed:
            self.stats.replays += 1
        return first.counter, bytes(data)

    def _result_or_restart(self, answer: P.Frame, request: int) -> P.ResultChunk:
        if answer.type == P.ERROR:
            err = P.parse_error(answer.payload)
            if err.code in (P.ERR_NOT_LOADED, P.ERR_NO_RESULT):
                raise _DeviceLostState()  # a reset whose boot frame was lost: load everything again
            raise DeviceError(f"device error {err.name} for request {err.request}: {err.text}")
        result = P.parse_result(_expect(answer, P.RESULT).payload)
        if result.request != request:
            raise P.ProtocolError(f"RESULT for request {result.request}, expected {request}")
        return result

    def _run_timeout(self) -> float:
        return max(self.timeouts.response, 2.0 * self._slowest_run)

    def _timeout_of(self, req: _Request) -> float:
        # Exponential back-off: a lost frame is retried soon, a slow device (a long inference,
        # a reboot) gets ever more time. Retransmits are harmless: every request is idempotent.
        cap = _RUN_BACKOFF_CAP if req.type == P.RUN else _BACKOFF_CAP
        return min(req.timeout * 2 ** max(0, req.tries - 1), cap)

    def _next_seq(self) -> int:
        self._seq = self._seq % 0xFFFE + 1  # 1..0xFFFE: 0 is boot/log, 0xFFFF device-side errors
        return self._seq

    def _send(self, req: _Request) -> None:
        req.sent_at = time.monotonic()
        req.tries += 1
        self._write(req.wire)

    def _write(self, data: bytes) -> None:
        try:
            self.link.write(data)
        except LinkClosed:
            self._reconnect()
            self.link.write(data)

    def _reconnect(self) -> None:
        self.stats.reconnects += 1
        self.link.reopen(time.monotonic() + self.timeouts.reconnect)
        self._decoder = P.FrameDecoder()
        self._text_seen = 0

    def _receive(self, timeout: float) -> list[P.Frame]:
        try:
            data = self.link.read(timeout)
        except LinkClosed:
            self._reconnect()
            return []
        before = self._decoder.bad_frames
        frames = self._decoder.feed(data)
        self.stats.bad_frames_in += self._decoder.bad_frames - before
        return frames

    def _transact(self, requests: list[_Request], window: int = 0, expect_boot: bool = True) -> list[P.Frame]:
        """Sends the requests in order, keeping at most `window` encoded bytes unanswered (at least
        one frame), retransmits each on its timeout, and returns the answers in request order."""
        for req in requests:
            req.seq = self._next_seq()
            req.wire = P.encode_frame(req.type, req.seq, req.payload)
            req.timeout = req.timeout if req.type == P.RUN else self.timeouts.response
        waiting = {}
        queue = list(requests)
        while queue or waiting:
            in_flight = sum(len(r.wire) for r in waiting.values())
            while queue and (not waiting or in_flight + len(queue[0].wire) <= window):
                req = queue.pop(0)
                self._send(req)
                waiting[req.seq] = req
                in_flight += len(req.wire)
            now = time.monotonic()
            for req in sorted(waiting.values(), key=lambda r: r.sent_at):
                if now - req.sent_at >= self._timeout_of(req):
                    if req.tries >= self.timeouts.attempts:
                        raise DeviceTimeout(f"no answer to {P.TYPE_NAMES[req.type]} after {req.tries} attempts"
                                            f" on {self.link.url}")
                    self.stats.retransmits += 1
                    self._send(req)
            next_due = min(r.sent_at + self._timeout_of(r) for r in waiting.values())
            bad_before = self.stats.bad_frames_in
            frames, self._backlog = self._backlog + self._receive(max(0.0, min(next_due - time.monotonic(), 0.2))), []
            for frame in frames:
                self._dispatch(frame, waiting, expect_boot)
            if self.stats.bad_frames_in > bad_before and waiting:
                # A garbled frame arrived: most likely the answer to the oldest open request.
                self.stats.retransmits += 1
                self._send(min(waiting.values(), key=lambda r: r.sent_at))
        return [req.answer for req in requests]

    def _dispatch(self, frame: P.Frame, waiting: dict, expect_boot: bool) -> None:
        if frame.type == P.IDENTITY and frame.seq == 0:
            if expect_boot and self._identity is not None:
                raise _DeviceReset()
            return
        if frame.type == P.LOG:
            self.logs.append(P.parse_log(frame.payload))
            return
        if frame.type == P.ERROR and frame.seq == P.NO_SEQ:
            self.stats.bad_frames_out += 1
            # The device dropped a frame of ours: the oldest unanswered one is the likely victim.
            if waiting:
                oldest = min(waiting.values(), key=lambda r: r.sent_at)
                self.stats.retransmits += 1
                self._send(oldest)
            return
        req = waiting.pop(frame.seq, None)
        if req is None:
            return  # the answer to a retransmitted frame we already have, or a stale one
        if frame.type not in (P.ERROR, _ANSWER_TYPE[req.type]):
            waiting[frame.seq] = req
            return
        req.answer = frame
        if req.type == P.RUN and req.tries == 1:
            self._slowest_run = max(self._slowest_run, time.monotonic() - req.sent_at)
        # The device answers in order: an unanswered frame sent before this one was lost (or its
        # answer was). Send it again now rather than at its timeout.
        for earlier in [r for r in waiting.values() if r.sent_at < req.sent_at]:
            self.stats.retransmits += 1
            self._send(earlier)


_BACKOFF_CAP = 4.0
_RUN_BACKOFF_CAP = 60.0
_ANSWER_TYPE = {P.HELLO: P.IDENTITY, P.LOAD: P.ACK, P.RUN: P.RESULT, P.READ: P.RESULT}


def _expect(frame: P.Frame, frame_type: int) -> P.Frame:
    if frame.type == P.ERROR:
        err = P.parse_error(frame.payload)
        raise DeviceError(f"device error {err.name} for request {err.request}: {err.text}")
    if frame.type != frame_type:
        raise P.ProtocolError(f"expected {P.TYPE_NAMES[frame_type]}, got {frame.name}")
    return frame


def _is_error(frame: P.Frame, code: int) -> bool:
    return frame.type == P.ERROR and P.parse_error(frame.payload).code == code


def _check_ack(load: _Request, ack_frame: P.Frame) -> None:
    ack = P.parse_ack(ack_frame.payload)
    request, tensor, offset = P.struct.unpack_from("<IBI", load.payload)
    expected = P.Ack(request, tensor, offset, len(load.payload) - P.LOAD_HEADER_BYTES)
    if ack != expected:
        raise P.ProtocolError(f"ACK {ack} does not match the LOAD it answers ({expected})")


def _check_same_device(before: P.Identity, after: P.Identity) -> None:
    for name in ("board", "model_hash", "runtime_version"):
        if getattr(before, name) != getattr(after, name):
            raise IdentityChanged(f"after a reset the device reports {name} {getattr(after, name)!r}, "
                                  f"before it was {getattr(before, name)!r}")


def _input_bytes(identity: P.Identity, inputs) -> list[bytes]:
    arrays = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
    if len(arrays) != len(identity.inputs):
        raise ToolchainError(f"the model takes {len(identity.inputs)} inputs, {len(arrays)} given")
    out = []
    for index, (array, info) in enumerate(zip(arrays, identity.inputs)):
        array = np.asarray(array)
        if array.dtype != np.dtype(info.dtype):
            raise ToolchainError(f"input {index} is {array.dtype}, the model wants {info.dtype}")
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        if len(data) != info.bytes:
            raise ToolchainError(f"input {index} has {array.size} elements of shape {array.shape}, "
                                 f"the model wants shape {info.shape}")
        out.append(data)
    return out


def _split_outputs(identity: P.Identity, data: bytes) -> list[np.ndarray]:
    outputs, at = [], 0
    for info in identity.outputs:
        dtype = np.dtype(info.dtype).newbyteorder("<")
        outputs.append(np.frombuffer(data[at:at + info.bytes], dtype=dtype).astype(info.dtype).reshape(info.shape))
        at += info.bytes
    return outputs
