"""Helpers shared by the HIL tests: the protocol compiled for the host (a test HAL over TCP) and
the test model's known arithmetic."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HOST_DIR = ROOT / "tests" / "hil_host"
RUNTIME = ROOT / "toolchain" / "runtime"


def build_host_device(out_dir: Path) -> Path:
    """tl_protocol.c + the test model + the TCP test HAL, with ASan/UBSan, -Werror."""
    binary = out_dir / "hil_host_device"
    command = ["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-g", "-fsanitize=address,undefined",
               "-fno-sanitize-recover=all", '-DTL_BOARD_NAME="host"', f"-I{HOST_DIR}", f"-I{RUNTIME}",
               f"-I{RUNTIME / 'hal'}", f"-I{RUNTIME / 'protocol'}", str(HOST_DIR / "host_main.c"),
               str(HOST_DIR / "test_model.c"), str(RUNTIME / "protocol" / "tl_protocol.c"), "-o", str(binary)]
    subprocess.run(command, check=True)
    return binary


class HostDevice:
    """The host device process, listening on a local TCP port like QEMU's serial server."""

    def __init__(self, binary: Path, port: int = 0) -> None:
        self.process = subprocess.Popen([str(binary), str(port)], stderr=subprocess.PIPE)
        line = self.process.stderr.readline()
        match = re.search(rb"listening on (\d+)", line)
        assert match, line
        self.port = int(match.group(1))

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait(10)
        self.process.stderr.close()
        return code

    def finish(self) -> tuple[int, bytes]:
        """Waits for a clean exit (the host closed the link); returns the code and stderr (sanitizers)."""
        code = self.process.wait(10)
        err = self.process.stderr.read()
        self.process.stderr.close()
        return code, err


def toy_inputs(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.integers(-128, 128, (1, 300), dtype=np.int8), rng.integers(-30000, 30000, (2, 3)).astype(np.int16)]


def toy_expected(inputs: list[np.ndarray]) -> list[np.ndarray]:
    a, b = inputs
    out0 = np.concatenate([a[0], a[0] ^ np.int8(0x55)]).reshape(1, 600)
    out1 = np.array([int(a.astype(np.int64).sum() + b.astype(np.int64).sum())], dtype=np.int32)
    return [out0, out1]
