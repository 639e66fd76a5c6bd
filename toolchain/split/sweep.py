"""Every place a model can be cut, and what each costs: bytes the device sends per inference, the
device's instructions for the head (measured on the board's emulator, or estimated from MACs),
the head's flash and arena (the planner and the fit estimate of `tinylarge inspect`), and the
end-to-end latency over a serial link of a given speed.

The two ends are rows too: "input" (the device computes nothing and sends its input; the
aggregator runs the whole model) and "output" (the device runs the whole model and sends its
output). Latency model: device time = instructions / clock (one instruction per cycle), link
time = wire bytes x 10 bits / link bit rate (8N1), both directions counted (half duplex: the HIL
protocol's RUN, RESULT and READ frames); the tail's time on the server is not counted (under a
millisecond for these models on a host, next to tens of milliseconds on a device and the link)."""
from __future__ import annotations

import struct
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hil.protocol import READ, RESULT, RUN, encode_frame, read_payload, run_payload
from toolchain.boards import Board
from toolchain.errors import ToolchainError
from toolchain.model.analysis import operator_macs
from toolchain.model.graph import Graph
from toolchain.model.writer import write_model
from toolchain.plan import plan_memory
from toolchain.plan.fit import estimate_fit
from toolchain.split.cut import SplitError, device_part

DEFAULT_LINK_BPS = 115_200
PROTOCOL_CHUNK_BYTES = 256  # TL_PROTOCOL_CHUNK_BYTES, the firmware's default RESULT chunk
BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
# Cortex-M4 (qemu_mps2_an386, -icount): instructions per MAC of the generated C, fitted (least
# relative error) to the 29 measured heads of kws_ref_model and ResNet-8 (4.5-5.9 and 3.2-5.5 per MAC;
# the estimate is within 36 % of each; docs/split.md, `--measure`).
INSTRUCTIONS_PER_MAC = 3.8


@dataclass(frozen=True)
class CutRow:
    after: int  # last operator on the device; -1: none, the last operator: the whole model
    label: str  # "input", "3 CONV_2D", "output"
    cut_tensors: list[str]
    payload_bytes: int  # the tensors the device sends, per inference
    wire_bytes: int  # protocol bytes both ways to fetch them (frames, CRC, COBS, READ requests)
    head_macs: int
    device_instructions: int
    instructions_source: str  # "measured" (head firmware on the emulator), "estimate" (from MACs), "none"
    head_flash_bytes: int  # estimate, as `tinylarge inspect --board`
    head_arena_bytes: int  # the planner's arena
    fits: bool
    device_ms: float
    link_ms: float
    latency_ms: float


@dataclass
class SweepReport:
    model: str
    board: str
    clock_hz: int
    link_bps: int
    rows: list[CutRow]
    refused: dict[int, str] = field(default_factory=dict)  # cut position -> why it cannot be cut there
    recommended: int | None = None  # `after` of the fastest row that fits the board
    recommended_split: int | None = None  # the same among real splits (device and aggregator both compute)
    plot: str | None = None

    def to_json(self) -> dict:
        return {**asdict(self), "rows": [asdict(r) for r in self.rows],
                "refused": {str(k): v for k, v in self.refused.items()}}


def result_wire_bytes(payload_bytes: int, chunk: int = PROTOCOL_CHUNK_BYTES) -> int:
    """Bytes on the wire, both directions, to fetch `payload_bytes` of results: RUN, then one
    RESULT frame per chunk, a READ for every chunk after the first. Worst-case COBS (no zeros)."""
    chunks = max(1, -(-payload_bytes // chunk))
    total = len(encode_frame(RUN, 1, run_payload(0)))
    for k in range(chunks):
        data = b"\x01" * min(chunk, payload_bytes - k * chunk)
        total += len(encode_frame(RESULT, 1, struct.pack("<IBIII", 0, 0, 0, payload_bytes, k * chunk) + data))
        if k:
            total += len(encode_frame(READ, 1, read_payload(0, k * chunk)))
    return total


def sweep(graph: Graph, board: Board, link_bps: int = DEFAULT_LINK_BPS, measure: bool = False,
          progress=lambda message: None) -> SweepReport:
    if link_bps <= 0:
        raise ToolchainError(f"--link-bps must be positive, got {link_bps}")
    if measure and board.emulators.qemu is None:
        raise ToolchainError(f"--measure runs each head on the board's QEMU machine; board {board.id} has none")
    macs = [operator_macs(graph, op) for op in graph.operators]
    report = SweepReport(model=graph.name, board=board.id, clock_hz=board.cpu.clock_hz, link_bps=link_bps, rows=[])
    for after in range(-1, len(graph.operators)):
        try:
            head, sent = device_part(graph, after)
        except SplitError as exc:
            report.refused[after] = str(exc)
            continue
        head_macs = sum(macs[:after + 1])
        if measure and after >= 0:
            progress(f"measuring the head up to operator {after} on {board.id}")
            instructions, source = measure_instructions(head, board), "measured"
        else:
            instructions, source = round(head_macs * INSTRUCTIONS_PER_MAC), "estimate" if after >= 0 else "none"
        report.rows.append(_row(graph, after, head, sent, head_macs, instructions, source, board, link_bps))
    report.recommended = _fastest(r for r in report.rows if r.fits)
    report.recommended_split = _fastest(r for r in report.rows if r.fits and 0 <= r.after < len(graph.operators) - 1)
    return report


def _fastest(rows) -> int | None:
    best = min(rows, key=lambda r: (r.latency_ms, r.payload_bytes), default=None)
    return None if best is None else best.after


def _row(graph: Graph, after: int, head: Graph, sent: tuple[int, ...], head_macs: int, instructions: int,
         source: str, board: Board, link_bps: int) -> CutRow:
    payload = sum(graph.tensors[i].nbytes for i in sent)
    wire = result_wire_bytes(payload)
    arena = plan_memory(head).arena_bytes
    fit = estimate_fit(head, arena, board)
    device_ms = instructions / board.cpu.clock_hz * 1e3
    link_ms = wire * BITS_PER_BYTE / link_bps * 1e3
    last = len(graph.operators) - 1
    label = "input" if after == -1 else "output" if after == last else f"{after} {graph.operators[after].op}"
    return CutRow(after=after, label=label, cut_tensors=[f"tensor {i} {graph.tensors[i].describe()}" for i in sent],
                  payload_bytes=payload, wire_bytes=wire, head_macs=head_macs, device_instructions=instructions,
                  instructions_source=source, head_flash_bytes=fit.flash_needed, head_arena_bytes=arena,
                  fits=fit.fits, device_ms=round(device_ms, 3), link_ms=round(link_ms, 3),
                  latency_ms=round(device_ms + link_ms, 3))


def measure_instructions(head: Graph, board: Board) -> int:
    """Build the head's firmware for `board` and run it on QEMU under the HIL harness: the median
    instruction count of three inferences, each checked bit-exact against TFLM."""
    from hil.runner import RunOptions, run_project
    from toolchain.firmware.build import build_project
    from toolchain.firmware.project import generate_project

    with tempfile.TemporaryDirectory(prefix="tinylarge-sweep-") as work:
        model_path = Path(work) / f"{head.name}.tflite"
        write_model(head, model_path)
        project = generate_project(model_path, board, Path(work) / "firmware")
        build_project(project.directory)
        report = run_project(project.directory, RunOptions(emulator="qemu", samples=3))
    if not report.passed:
        raise ToolchainError(f"{head.name}: the head's firmware did not match TFLM on {board.id} "
                             f"({report.error or report.agreement.first_mismatch})")
    if report.latency is None or report.latency.unit != "instructions":
        raise ToolchainError(f"board {board.id} counts {report.latency.unit if report.latency else 'nothing'}, "
                             "not instructions")
    return int(report.latency.median)
