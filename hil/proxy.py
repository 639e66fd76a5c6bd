"""A TCP proxy between the harness and a device's socket that behaves like a real serial line:
it can throttle each direction to a UART baud rate (10 bit times per byte, 8N1), flip and drop
bytes at given rates (seeded, so a failing run can be replayed), and it survives the device side
going away: while the emulator restarts the harness stays connected and bytes sent meanwhile are
lost, exactly like a board that is being reset.

Used by the fault-injection tests and by bench/bench_hil.py; users can put it in front of their
own emulator to test how their link code copes."""
from __future__ import annotations

import random
import select
import socket
import threading
import time
from dataclasses import dataclass, field

from hil.link import ack_now


@dataclass
class FaultModel:
    flip_rate: float = 0.0   # probability per byte of one flipped bit
    drop_rate: float = 0.0   # probability per byte of losing it
    seed: int = 0


@dataclass
class DirectionStats:
    bytes_in: int = 0
    bytes_out: int = 0
    flipped: int = 0
    dropped: int = 0
    lost_while_down: int = 0


@dataclass
class _Direction:
    stats: DirectionStats = field(default_factory=DirectionStats)
    queue: bytearray = field(default_factory=bytearray)
    next_byte_at: float = 0.0  # when the next queued byte finishes on the wire (throttled)


class LinkProxy:
    def __init__(self, upstream: tuple[str, int], *, faults: FaultModel | None = None,
                 baud: int | None = None) -> None:
        self._upstream_addr = upstream
        self.faults = faults or FaultModel()
        self.baud = baud
        self._rng = random.Random(self.faults.seed)
        self.to_device = _Direction()
        self.to_host = _Direction()
        self.upstream_connects = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self.port = self._listener.getsockname()[1]
        self._client: socket.socket | None = None
        self._upstream: socket.socket | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="link-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self) -> "LinkProxy":
        self._thread.start()
        return self

    def set_upstream(self, upstream: tuple[str, int]) -> None:
        """Points the proxy at a new device socket (an emulator restarted on another port)."""
        with self._lock:
            self._upstream_addr = upstream
            self._drop_upstream()

    def disconnect_upstream(self) -> None:
        with self._lock:
            self._drop_upstream()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in (self._client, self._upstream, self._listener):
            if sock is not None:
                sock.close()

    def __enter__(self) -> "LinkProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- the loop ----
    def _serve(self) -> None:
        next_connect = 0.0
        while not self._stop.is_set():
            with self._lock:
                if self._client is not None and self._upstream is None and time.monotonic() >= next_connect:
                    self._connect_upstream()
                    next_connect = time.monotonic() + 0.05
                sockets = [s for s in (self._listener, self._client, self._upstream) if s is not None]
            try:
                readable, _, _ = select.select(sockets, [], [], self._wait_time())
            except (OSError, ValueError):  # a socket was closed by set_upstream meanwhile
                continue
            with self._lock:
                for sock in readable:
                    self._on_readable(sock)
                self._flush(self.to_device, self._upstream)
                self._flush(self.to_host, self._client)

    def _wait_time(self) -> float:
        pending = [d.next_byte_at for d in (self.to_device, self.to_host) if d.queue]
        if not pending or not self.baud:
            return 0.0 if pending else 0.05
        return max(0.0, min(0.05, min(pending) - time.monotonic()))

    def _connect_upstream(self) -> None:
        try:
            sock = socket.create_connection(self._upstream_addr, timeout=0.5)
        except OSError:
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._upstream = sock
        self.upstream_connects += 1

    def _drop_upstream(self) -> None:
        if self._upstream is not None:
            self._upstream.close()
            self._upstream = None
        self.to_device.queue.clear()

    def _on_readable(self, sock: socket.socket) -> None:
        if sock is self._listener:
            client, _ = self._listener.accept()
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._client is not None:
                self._client.close()
            self._client = client
            return
        if sock is not self._client and sock is not self._upstream:
            return  # closed by set_upstream while select waited
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if data:
            ack_now(sock)
        if sock is self._client:
            if not data:
                self._client.close()
                self._client = None
                self._drop_upstream()
                return
            self._forward(self.to_device, data, up=self._upstream is not None)
        else:
            if not data:
                self._drop_upstream()  # the device went away; reconnect on the next round
                return
            self._forward(self.to_host, data, up=True)

    def _forward(self, direction: _Direction, data: bytes, up: bool) -> None:
        direction.stats.bytes_in += len(data)
        if not up:
            direction.stats.lost_while_down += len(data)
            return
        out = bytearray()
        for byte in data:
            roll = self._rng.random()
            if roll < self.faults.drop_rate:
                direction.stats.dropped += 1
                continue
            if roll < self.faults.drop_rate + self.faults.flip_rate:
                byte ^= 1 << self._rng.randrange(8)
                direction.stats.flipped += 1
            out.append(byte)
        if not direction.queue:
            direction.next_byte_at = max(direction.next_byte_at, time.monotonic() + self._byte_time())
        direction.queue += out

    def _byte_time(self) -> float:
        return 10.0 / self.baud if self.baud else 0.0

    def _flush(self, direction: _Direction, sock: socket.socket | None) -> None:
        if not direction.queue:
            return
        if sock is None:
            direction.stats.lost_while_down += len(direction.queue)
            direction.queue.clear()
            return
        if self.baud:
            # Only the bytes whose 10 bit times have passed leave the line.
            now = time.monotonic()
            if now < direction.next_byte_at:
                return
            count = min(len(direction.queue), 1 + int((now - direction.next_byte_at) / self._byte_time()))
        else:
            count = len(direction.queue)
        try:
            sock.sendall(bytes(direction.queue[:count]))
        except OSError:
            return
        del direction.queue[:count]
        direction.stats.bytes_out += count
        direction.next_byte_at += count * self._byte_time()


def main(argv: list[str] | None = None) -> None:
    """`python -m hil.proxy --upstream HOST:PORT [--baud B] [--flip R] [--drop R] [--seed S]`: runs
    the proxy in its own process (no GIL shared with the harness: throttling stays accurate) and
    prints its URL on the first line."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="python -m hil.proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the device socket")
    parser.add_argument("--baud", type=int, default=None)
    parser.add_argument("--flip", type=float, default=0.0)
    parser.add_argument("--drop", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    host, _, port = args.upstream.rpartition(":")
    proxy = LinkProxy((host or "127.0.0.1", int(port)), faults=FaultModel(args.flip, args.drop, args.seed),
                      baud=args.baud).start()
    print(proxy.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    proxy.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
