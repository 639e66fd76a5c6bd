"""Links: bytes in, bytes out, with read timeouts. A serial port, a QEMU socket and a Renode
socket are all links; the DUT never knows which one it has.

`socket://host:port` gets a plain TCP socket rather than pyserial's socket:// handler, because the
latter can drop already-received bytes when the peer (an emulator) closes the connection during a
read. Everything else (/dev/tty..., COM3, rfc2217://, loop://) goes through pyserial's
`serial_for_url`.
"""
from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from toolchain.errors import ToolchainError


class LinkError(ToolchainError):
    """The port or socket cannot be opened, or it failed while in use."""


class LinkClosed(LinkError):
    """The other end went away (emulator stopped, cable pulled)."""


@dataclass
class LinkCounters:
    bytes_in: int = 0
    bytes_out: int = 0


class Link:
    """Common surface of all links."""

    url: str
    counters: LinkCounters

    def open(self) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, timeout: float) -> bytes:
        """What has arrived within `timeout` seconds (b"" if nothing); raises LinkClosed at EOF."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def reopen(self, deadline: float) -> None:
        """Reconnects until `deadline` (time.monotonic()), for emulators that restart."""
        self.close()
        while True:
            try:
                self.open()
                return
            except LinkError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SocketLink(Link):
    def __init__(self, url: str, connect_timeout: float = 5.0) -> None:
        parsed = urlparse(url)
        if parsed.scheme != "socket" or not parsed.hostname or not parsed.port:
            raise LinkError(f"{url!r} is not a socket://HOST:PORT URL")
        self.url, self.host, self.port = url, parsed.hostname, parsed.port
        self.connect_timeout = connect_timeout
        self.counters = LinkCounters()
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise LinkError(f"cannot connect to {self.url}: {exc.strerror or exc}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ack_now(sock)
        sock.settimeout(None)
        self._sock = sock

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise LinkClosed(f"{self.url} is not open")
        return self._sock

    def write(self, data: bytes) -> None:
        try:
            self._socket().sendall(data)
        except OSError as exc:
            raise LinkClosed(f"{self.url}: write failed ({exc.strerror or exc})") from None
        self.counters.bytes_out += len(data)

    def read(self, timeout: float) -> bytes:
        sock = self._socket()
        ready, _, _ = select.select([sock], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            data = sock.recv(65536)
        except OSError as exc:
            raise LinkClosed(f"{self.url}: read failed ({exc.strerror or exc})") from None
        if not data:
            raise LinkClosed(f"{self.url} closed by the other end")
        ack_now(sock)
        self.counters.bytes_in += len(data)
        return data

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def ack_now(sock: socket.socket) -> None:
    # An emulator's socket may use Nagle's algorithm: it holds back small writes until our ACK
    # comes, and Linux delays ACKs up to 40 ms. Asking for quick ACKs (re-armed after every
    # read, the kernel clears it) turns ~45 ms per small frame into ~1 ms.
    if hasattr(socket, "TCP_QUICKACK"):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except OSError:
            pass


class SerialLink(Link):
    """Any pyserial port or URL: /dev/ttyACM0, COM3, rfc2217://host:port, loop://."""

    def __init__(self, url: str, baud: int = 115200) -> None:
        self.url, self.baud = url, baud
        self.counters = LinkCounters()
        self._port = None

    def open(self) -> None:
        import serial

        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baud, timeout=0, write_timeout=10)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise LinkError(f"cannot open {self.url}: {exc}") from None

    def _serial(self):
        if self._port is None:
            raise LinkClosed(f"{self.url} is not open")
        return self._port

    def write(self, data: bytes) -> None:
        import serial

        try:
            self._serial().write(data)
            self._serial().flush()
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"{self.url}: write failed ({exc})") from None
        self.counters.bytes_out += len(data)

    def read(self, timeout: float) -> bytes:
        import serial

        port = self._serial()
        end = time.monotonic() + max(0.0, timeout)
        try:
            while True:
                waiting = port.in_waiting
                if waiting:
                    data = port.read(waiting)
                    self.counters.bytes_in += len(data)
                    return data
                if time.monotonic() >= end:
                    return b""
                port.timeout = min(0.05, max(0.0, end - time.monotonic()))
                data = port.read(1)
                if data:
                    self.counters.bytes_in += len(data)
                    return data
        except (serial.SerialException, OSError) as exc:
            raise LinkClosed(f"{self.url}: read failed ({exc})") from None

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None


def open_link(url: str, baud: int = 115200) -> Link:
    """A ready link for a port name or URL."""
    link: Link = SocketLink(url) if url.startswith("socket://") else SerialLink(url, baud)
    link.open()
    return link
