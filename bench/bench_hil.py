"""HIL link throughput: inferences per second over a UART-speed link against the link's physical
limit, per shared model, at 115200 and 921600 baud.

QEMU's TCP serial is not baud-limited, so the harness talks to QEMU through hil.proxy.LinkProxy
with `baud=B`: every byte, in each direction independently (a UART is full duplex), leaves the
proxy only after its 10 bit times (8N1) have passed. What is measured, per inference:
- bytes moved: host->device and device->host, counted on the harness's link (all framing, CRC,
  chunk headers, ACKs and RESULTs included);
- limit (the issue's formula): (baud / 10) / (bytes out + bytes in) inferences/s, i.e. the
  rate at which one wire could carry every byte of an inference;
- full-duplex bound: (baud / 10) / max(bytes out, bytes in), the stricter bound for a UART;
- payload efficiency: input + output tensor bytes / bytes moved;
- unthrottled rate: the same run without the baud limit, i.e. what QEMU's compute and the
  protocol's turnarounds allow. When it is not far above the limit, the emulator's compute time
  (not the link) is what holds the rate down, and the ratio says nothing about the protocol.

    .venv/bin/python bench/bench_hil.py [--board qemu_mps2_an386] [--samples 60] [--models kws_ref_model ...]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hil.dut import Dut  # noqa: E402
from hil.link import open_link  # noqa: E402
from hil.runner import HilInputs, prepare_inputs  # noqa: E402
from tests.hil_support import HostDevice, build_host_device, toy_inputs  # noqa: E402
from toolchain.emulators.qemu import start_qemu  # noqa: E402
from toolchain.firmware.build import build_project  # noqa: E402
from toolchain.firmware.project import generate_project, load_project  # noqa: E402
from toolchain.model.reader import read_model  # noqa: E402

MODELS_DIR = ROOT.parent / "shared" / "models"
BAUDS = (115200, 921600)
WARM_UP = 5


@contextlib.contextmanager
def qemu_device(project):
    with start_qemu(project.board, project.elf_path()) as qemu:
        yield qemu.port


@contextlib.contextmanager
def host_device(binary: Path):
    device = HostDevice(binary)
    try:
        yield device.port
    finally:
        device.stop()


def measure(device, inputs, baud: int | None) -> dict:
    # The proxy runs in its own process, so the harness's Python never delays its byte clock.
    with device as port:
        command = [sys.executable, "-m", "hil.proxy", "--upstream", f"127.0.0.1:{port}"]
        proxy = subprocess.Popen(command + (["--baud", str(baud)] if baud else []), stdout=subprocess.PIPE,
                                 text=True, cwd=ROOT)
        try:
            dut = Dut(open_link(proxy.stdout.readline().strip()), response_timeout=2.0)
            dut.identity()
            for _ in dut.infer_many([inputs.sample(0)] * WARM_UP):  # learns the RUN time; not counted
                pass
            out0, in0 = dut.link.counters.bytes_out, dut.link.counters.bytes_in
            started = time.perf_counter()
            for _ in dut.infer_many(inputs.sample(i) for i in range(inputs.count)):
                pass
            elapsed = time.perf_counter() - started
            out1, in1 = dut.link.counters.bytes_out, dut.link.counters.bytes_in
            retransmits = dut.stats.retransmits
            dut.close()
        finally:
            proxy.terminate()
            proxy.wait(10)
    n = inputs.count
    return {"inferences_per_s": n / elapsed, "bytes_out": (out1 - out0) / n, "bytes_in": (in1 - in0) / n,
            "retransmits": retransmits}


def bench_model(model: Path, board: str, work: Path, samples: int) -> list[dict]:
    directory = work / f"{model.stem}-{board}"
    generate_project(model, board, directory)
    build_project(directory)
    project = load_project(directory)
    graph = read_model(project.model_path)
    inputs = prepare_inputs(graph, samples=samples, seed=0)
    payload = sum(t.nbytes for t in graph.input_tensors) + sum(t.nbytes for t in graph.output_tensors)
    return rows_for(model.stem, lambda: qemu_device(project), inputs, payload)


def bench_host_device(work: Path, samples: int) -> list[dict]:
    """The same protocol C compiled for the host (tests/hil_host: TCP test HAL, a 2-input model
    with 312 input and 604 output bytes and no real compute): the protocol's own efficiency
    without QEMU's per-byte UART emulation cost."""
    binary = build_host_device(work)
    rng = np.random.default_rng(0)
    samples_list = [toy_inputs(rng) for _ in range(samples)]
    inputs = HilInputs([np.stack([s[k] for s in samples_list]) for k in range(2)], None, "random")
    return rows_for("host device (toy model)", lambda: host_device(binary), inputs, 312 + 604)


def rows_for(name: str, device_factory, inputs, payload: int) -> list[dict]:
    free = measure(device_factory(), inputs, None)
    rows = []
    for baud in BAUDS:
        m = measure(device_factory(), inputs, baud)
        moved = m["bytes_out"] + m["bytes_in"]
        limit = (baud / 10) / moved
        duplex = (baud / 10) / max(m["bytes_out"], m["bytes_in"])
        rows.append({"model": name, "baud": baud, "bytes_out": round(m["bytes_out"], 1),
                     "bytes_in": round(m["bytes_in"], 1), "payload_bytes": payload,
                     "payload_efficiency": round(payload / moved, 3),
                     "measured_per_s": round(m["inferences_per_s"], 2), "limit_per_s": round(limit, 2),
                     "ratio_to_limit": round(m["inferences_per_s"] / limit, 3),
                     "full_duplex_bound_per_s": round(duplex, 2),
                     "ratio_to_full_duplex": round(m["inferences_per_s"] / duplex, 3),
                     "unthrottled_per_s": round(free["inferences_per_s"], 2), "retransmits": m["retransmits"]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--board", default="qemu_mps2_an386")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--models", nargs="*", default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-host-device", action="store_true", help="skip the host-compiled protocol run")
    args = parser.parse_args()
    models = [MODELS_DIR / f"{m}.tflite" for m in args.models] if args.models else sorted(MODELS_DIR.glob("*.tflite"))
    with tempfile.TemporaryDirectory(prefix="bench-hil-") as work:
        rows = [] if args.no_host_device else bench_host_device(Path(work), args.samples)
        rows += [row for model in models for row in bench_model(model, args.board, Path(work), args.samples)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    header = (f"{'model':26} {'baud':>7} {'B out':>7} {'B in':>6} {'payload':>7} {'eff':>5} {'inf/s':>8} "
              f"{'limit':>8} {'ratio':>6} {'duplex':>8} {'ratio':>6} {'no-baud':>8} {'retx':>5}")
    print(f"board {args.board}, {args.samples} inferences per point (+{WARM_UP} warm-up), pipelined (infer_many)")
    print(header)
    for r in rows:
        print(f"{r['model']:26.26} {r['baud']:>7} {r['bytes_out']:>7} {r['bytes_in']:>6} {r['payload_bytes']:>7} "
              f"{r['payload_efficiency']:>5} {r['measured_per_s']:>8} {r['limit_per_s']:>8} "
              f"{r['ratio_to_limit']:>6.1%} {r['full_duplex_bound_per_s']:>8} {r['ratio_to_full_duplex']:>6.1%} "
              f"{r['unthrottled_per_s']:>8} {r['retransmits']:>5}")


if __name__ == "__main__":
    main()
