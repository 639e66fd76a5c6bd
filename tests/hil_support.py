"""Helpers shared by the HIL tests: the protocol compiled for the host (a test HAL over TCP), the
test model's known arithmetic, and a HIL run through injected faults and emulator restarts."""
from __future__ import annotations

import re
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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


@dataclass
class FaultRun:
    report: object  # hil.runner.HilReport
    dut: object  # hil.dut.Dut
    proxy: object  # hil.proxy.LinkProxy
    sessions: list

    @property
    def injected(self) -> int:
        """Bytes the proxy flipped or dropped, both directions."""
        return sum(getattr(d.stats, k) for d in (self.proxy.to_device, self.proxy.to_host)
                   for k in ("flipped", "dropped"))


@dataclass
class Emulators:
    """The emulator sessions of a fault run (the last one is running) and the proxy in front."""

    sessions: list
    proxy: object  # hil.proxy.LinkProxy
    start_session: Callable[[], object]

    def restart(self) -> None:
        """Kills the running emulator and starts another: the host sees the link go down and a
        freshly booted device."""
        self.sessions[-1].stop()
        self.sessions.append(self.start_session())
        self.proxy.set_upstream(("127.0.0.1", self.sessions[-1].port))


def run_through_faults(project, start_session: Callable[[], object], *, samples: int = 60,
                       disturb_after: tuple[int, ...] = (15, 40), faults=None, response_timeout: float = 0.3,
                       disturb: Callable[["Emulators", int], None] | None = None) -> FaultRun:
    """A HIL run through a fault-injecting proxy in front of an emulator (`start_session()`: a
    session with `port` and `stop()`); after the results of `disturb_after`, `disturb(emulators,
    index)` runs beside the HIL loop, by default `emulators.restart()` (kill it, start another,
    point the proxy there): the same path for QEMU and Renode."""
    from hil.dut import Dut
    from hil.link import open_link
    from hil.proxy import FaultModel, LinkProxy
    from hil.runner import check_identity, prepare_inputs, run_samples
    from toolchain.model.reader import read_model
    from toolchain.reference import reference_outputs

    graph = read_model(project.model_path)
    inputs = prepare_inputs(graph, samples=samples, seed=3)
    reference = reference_outputs(project.model_path, inputs.arrays)
    sessions = [start_session()]
    proxy = LinkProxy(("127.0.0.1", sessions[0].port), faults=faults or FaultModel(0.001, 0.001, seed=5)).start()
    emulators = Emulators(sessions, proxy, start_session)
    disturb = disturb or (lambda running, index: running.restart())

    def disturb_soon(index: int) -> None:
        time.sleep(0.003)  # lands inside the next inference's transfer
        disturb(emulators, index)

    disturbances = []

    def on_result(index, outputs, counter):
        if index in disturb_after:
            disturbances.append(threading.Thread(target=disturb_soon, args=(index,)))
            disturbances[-1].start()

    try:
        dut = Dut(open_link(proxy.url), response_timeout=response_timeout)
        check_identity(dut.identity(), project.model_hash, graph)
        report = run_samples(dut, inputs, reference, model=project.model_name, model_hash=project.model_hash,
                             on_result=on_result)
        for thread in disturbances:
            thread.join(60)
        dut.close()
    finally:
        proxy.stop()
        for session in sessions:
            session.stop()
    return FaultRun(report, dut, proxy, sessions)
