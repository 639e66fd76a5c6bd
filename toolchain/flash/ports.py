"""Finding a board's serial port by the USB VID:PID in its board file (pyserial list_ports)."""
from __future__ import annotations

from typing import Iterable

from toolchain.boards import Board
from toolchain.errors import ToolchainError


class PortError(ToolchainError):
    """No port, or more than one, matches the board; or the board has no USB IDs."""


def _vid_pid(port) -> str | None:
    if port.vid is None or port.pid is None:
        return None
    return f"{port.vid:04x}:{port.pid:04x}"


def _describe(port) -> str:
    ids = _vid_pid(port) or "no USB IDs"
    return f"{port.device} ({ids}, {port.description or 'n/a'})"


def find_port(board: Board, ports: Iterable | None = None) -> str:
    """The one port whose VID:PID is listed in the board file. `ports` defaults to what
    `serial.tools.list_ports.comports()` sees (any objects with device, vid, pid, description)."""
    if not board.usb.vid_pid:
        raise PortError(f"board {board.id} lists no USB VID:PID ([usb] vid_pid in {board.source or 'its board file'}):"
                        " give --port explicitly")
    if ports is None:
        from serial.tools import list_ports

        ports = list_ports.comports()
    ports = list(ports)
    wanted = set(board.usb.vid_pid)
    matches = [p for p in ports if _vid_pid(p) in wanted]
    if len(matches) == 1:
        return matches[0].device
    if not matches:
        seen = ", ".join(_describe(p) for p in ports) or "none"
        raise PortError(f"no serial port has a USB ID of board {board.id} ({', '.join(board.usb.vid_pid)}); "
                        f"ports seen: {seen}")
    raise PortError(f"{len(matches)} ports match {board.id} ({', '.join(board.usb.vid_pid)}): "
                    f"{', '.join(_describe(p) for p in matches)}; choose one with --port")


def resolve_port(board: Board, port: str | None) -> str:
    """`auto` (or nothing) -> detection by VID:PID; anything else is a pyserial port name or URL."""
    if port is None or port == "auto":
        return find_port(board)
    return port
