"""The HIL run: check the device is running the project's model, stream the inputs through it,
compare every output with the TFLM reference, and account for every input (lost / duplicated).

    report = run_project("firmware_out/kws-qemu_mps2_an386", emulator="qemu", samples=50)

`run_project` is the one call `tinylarge hil run` makes; `run_samples` is the loop on an open DUT
(the pytest plugin and the tests use it directly)."""
from __future__ import annotations

import contextlib
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from hil import metrics
from hil.dut import Dut, DeviceTimeout
from hil.link import LinkError, open_link
from hil.protocol import Identity
from toolchain.errors import ToolchainError

DEFAULT_SAMPLES = 50


class IdentityMismatch(ToolchainError):
    """The device runs another model (or another I/O layout) than the project."""

    exit_code = 1


class HilInputError(ToolchainError):
    """--inputs / --dataset that do not fit the model."""


class SelfTestFailed(ToolchainError):
    """The device's boot self-test did not reproduce TFLM's output: nothing it computes is trusted."""

    exit_code = 1


SELFTEST_LINE = re.compile(r"^TL-SELFTEST (PASS|FAIL|ERROR)\b.*$", re.MULTILINE)
SELFTEST_NOT_SEEN = "not seen (the device booted before the port was opened)"


@dataclass
class HilInputs:
    arrays: list[np.ndarray]  # one (N, *shape) array per model input, the model's dtype
    labels: np.ndarray | None
    source: str

    @property
    def count(self) -> int:
        return len(self.arrays[0])

    def sample(self, index: int) -> list[np.ndarray]:
        return [a[index] for a in self.arrays]


@dataclass
class HilReport:
    project: str
    board: str
    model: str
    model_hash: str
    device: dict
    inputs_source: str
    samples: int
    agreement: metrics.Agreement
    accuracy: float | None
    reference_accuracy: float | None
    latency: metrics.Latency | None
    lost: int
    duplicated: int
    link: dict
    wall_seconds: float
    error: str | None = None
    # The emulator's own count per inference (Renode: sysbus.cpu ExecutedInstructions between the
    # firmware's two counter reads), next to the firmware's counter in `latency`.
    emulator_instructions: list[int] = field(default_factory=list, repr=False)
    emulator: str | None = None
    selftest: str = SELFTEST_NOT_SEEN  # the boot TL-SELFTEST line, as the device printed it
    latency_note: str | None = None  # why there is no latency (e.g. the emulator's counter reads 0)
    outputs: list[np.ndarray] = field(default_factory=list, repr=False)
    counters: list[int] = field(default_factory=list, repr=False)
    exact_per_sample: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), repr=False)

    @property
    def passed(self) -> bool:
        return (self.error is None and self.lost == 0 and self.duplicated == 0
                and self.agreement.exact_samples == self.samples)

    def to_json(self) -> dict:
        a = self.agreement
        return {
            "project": self.project, "board": self.board, "model": self.model, "model_hash": self.model_hash,
            "device": self.device, "inputs": self.inputs_source, "samples": self.samples,
            "exact_matches": a.exact_samples, "exact_match_rate": a.exact_match_rate,
            "max_abs_diff": a.max_abs_diff, "rmse": a.rmse, "cosine_similarity": a.cosine_similarity,
            "first_mismatch": a.first_mismatch, "accuracy": self.accuracy,
            "reference_accuracy": self.reference_accuracy,
            "latency": self.latency.to_json() if self.latency else None, "latency_note": self.latency_note,
            "selftest": self.selftest,
            "lost": self.lost, "duplicated": self.duplicated, "link": self.link,
            "wall_seconds": round(self.wall_seconds, 3), "error": self.error, "passed": self.passed,
            "emulator_instructions": self._emulator_instructions_json(),
        }

    def _emulator_instructions_json(self) -> dict | None:
        count = metrics.latency(self.emulator_instructions, "instructions", 0)
        if count is None:
            return None
        return {"emulator": self.emulator, "median": count.median, "min": count.min, "max": count.max,
                "per_sample": list(self.emulator_instructions)}


# ---- inputs ----
def prepare_inputs(graph, *, inputs_path: str | Path | None = None, dataset_path: str | Path | None = None,
                   samples: int | None = None, seed: int = 0) -> HilInputs:
    """Exactly one source: an --inputs file (verify's shapes), a --dataset .npz (x, y), or N
    seeded random inputs (verify's generator)."""
    from toolchain.codegen.verify import load_inputs, random_inputs

    given = [s for s in (inputs_path, dataset_path, samples) if s is not None]
    if len(given) > 1:
        raise HilInputError("give only one of --inputs, --dataset, --samples")
    if inputs_path is not None:
        return HilInputs(load_inputs(graph, inputs_path), None, str(inputs_path))
    if dataset_path is not None:
        return _dataset_inputs(graph, Path(dataset_path))
    count = DEFAULT_SAMPLES if samples is None else samples
    if count <= 0:
        raise HilInputError(f"--samples must be positive, got {count}")
    return HilInputs(random_inputs(graph, count, seed), None, f"random (seed {seed})")


def _dataset_inputs(graph, path: Path) -> HilInputs:
    if len(graph.inputs) != 1:
        raise HilInputError(f"{path}: --dataset needs a one-input model; use --inputs with an .npz")
    try:
        data = np.load(path, allow_pickle=False)
        x, y = data["x"], data["y"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HilInputError(f"{path}: not a dataset .npz with arrays 'x' and 'y' ({exc})") from None
    tensor = graph.input_tensors[0]
    shape = tuple(tensor.shape)
    if x.shape[1:] != shape:
        if int(np.prod(x.shape[1:])) != int(np.prod(shape)):
            raise HilInputError(f"{path}: samples of shape {x.shape[1:]} do not fit the input {shape}")
        x = x.reshape((len(x), *shape))
    if len(y) != len(x):
        raise HilInputError(f"{path}: {len(x)} samples but {len(y)} labels")
    return HilInputs([_to_model_dtype(x, tensor, path)], np.asarray(y), str(path))


def _to_model_dtype(x: np.ndarray, tensor, path: Path) -> np.ndarray:
    dtype = np.dtype(tensor.dtype)
    if x.dtype == dtype:
        return x
    quant = tensor.quant
    if np.issubdtype(x.dtype, np.floating) and np.issubdtype(dtype, np.integer) and quant is not None \
            and quant.scale:
        # A float dataset for a quantized model: quantize as the converter did for this input.
        info = np.iinfo(dtype)
        q = np.round(x / quant.scale[0]) + quant.zero_point[0]
        return np.clip(q, info.min, info.max).astype(dtype)
    if np.can_cast(x.dtype, dtype, casting="same_kind"):
        return x.astype(dtype)
    raise HilInputError(f"{path}: samples are {x.dtype}, the model wants {dtype}")


# ---- identity ----
def check_identity(identity: Identity, model_hash: str, graph) -> None:
    if identity.model_hash != model_hash:
        raise IdentityMismatch(f"the device runs model hash {identity.model_hash} ({identity.model_name}), "
                               f"the project's model hash is {model_hash}: flash the project first (--flash)")
    ours = [(np.dtype(t.dtype).name, tuple(t.shape)) for t in graph.input_tensors + graph.output_tensors]
    theirs = [(t.dtype, t.shape) for t in identity.inputs + identity.outputs]
    if ours != theirs:
        raise IdentityMismatch(f"the device's tensors {theirs} differ from the model's {ours}")


def boot_selftest(dut: Dut) -> str:
    """The TL-SELFTEST line the device printed at boot (it precedes every protocol frame, so it has
    arrived once IDENTITY has). A FAIL or ERROR stops the run."""
    match = SELFTEST_LINE.search(dut.text)
    if match is None:
        return SELFTEST_NOT_SEEN
    line = match.group(0).strip()
    if match.group(1) != "PASS":
        raise SelfTestFailed(f"the device's boot self-test differs from TFLM: {line}")
    return line


# ---- the loop ----
ResultHook = Callable[[int, list[np.ndarray], int], None]


def run_samples(dut: Dut, inputs: HilInputs, reference: list[np.ndarray], *, model: str, model_hash: str,
                project: str = "", clock_hz: int = 0, on_result: ResultHook | None = None,
                progress: Callable[[int], None] | None = None) -> HilReport:
    """One inference per input; every output compared with `reference` (per output tensor, (N, ...))."""
    identity = dut.identity()
    received: dict[int, list] = {i: [] for i in range(inputs.count)}
    error = None
    started = time.monotonic()
    stream = dut.infer_many(inputs.sample(i) for i in range(inputs.count))
    for index in range(inputs.count):
        try:
            result = next(stream)
        except (DeviceTimeout, LinkError) as exc:
            error = f"sample {index}: {exc}"
            break
        received[index].append(result)
        if on_result is not None:
            on_result(index, result.outputs, result.counter)
        if progress is not None:
            progress(index + 1)
    wall = time.monotonic() - started
    done = [i for i in range(inputs.count) if received[i]]
    outputs = [np.stack([received[i][0].outputs[k] for i in done]) if done else np.zeros((0, *t.shape), t.dtype)
               for k, t in enumerate(identity.outputs)]
    counters = [received[i][0].counter for i in done]
    agreement = metrics.agreement(outputs, [r[done] for r in reference])
    if len(done) < inputs.count:  # samples never answered are not "exact"
        agreement = metrics.Agreement(inputs.count, agreement.exact_samples, agreement.max_abs_diff,
                                      agreement.rmse, agreement.cosine_similarity,
                                      agreement.first_mismatch if agreement.first_mismatch is not None
                                      else len(done))
    labels = inputs.labels
    latency, latency_note = metrics.latency(counters, identity.counter_unit, clock_hz or identity.clock_hz), None
    if counters and not any(counters):
        latency, latency_note = None, (f"not measured: the {identity.counter_unit} counter read 0 for every "
                                       f"inference (not modelled by this emulator)")
    return HilReport(
        project=project, board=identity.board, model=model, model_hash=model_hash, device=identity.to_json(),
        inputs_source=inputs.source, samples=inputs.count, agreement=agreement,
        accuracy=metrics.accuracy(outputs[0], labels[done]) if labels is not None and done else None,
        reference_accuracy=metrics.accuracy(reference[0], labels) if labels is not None else None,
        latency=latency, latency_note=latency_note,
        lost=sum(1 for r in received.values() if not r), duplicated=sum(1 for r in received.values() if len(r) > 1),
        link={**dut.stats.to_json(), "bytes_out": dut.link.counters.bytes_out, "bytes_in": dut.link.counters.bytes_in},
        wall_seconds=wall, error=error, outputs=outputs, counters=counters,
        exact_per_sample=metrics.exact_per_sample(outputs, [r[done] for r in reference]))


# ---- the whole command ----
@dataclass
class RunOptions:
    port: str | None = None
    emulator: str | None = None
    inputs_path: str | None = None
    dataset_path: str | None = None
    samples: int | None = None
    seed: int = 0
    flash: bool = False
    env: str | None = None
    save_outputs: str | None = None
    aggregator: str | None = None
    token: str | None = None
    device_name: str | None = None
    boot_timeout: float = 30.0


def run_project(directory: str | Path, options: RunOptions,
                progress: Callable[[int, int], None] | None = None) -> HilReport:
    from toolchain.codegen.verify import save_outputs
    from toolchain.firmware.project import load_project
    from toolchain.model.reader import read_model
    from toolchain.reference import reference_outputs

    if (options.port is None) == (options.emulator is None):
        raise ToolchainError("give either --port PORT|auto or --emulator qemu|renode")
    if (options.aggregator is None) != (options.token is None):
        raise ToolchainError("--aggregator and --token go together")
    project = load_project(directory)
    graph = read_model(project.model_path)
    inputs = prepare_inputs(graph, inputs_path=options.inputs_path, dataset_path=options.dataset_path,
                            samples=options.samples, seed=options.seed)
    reference = reference_outputs(project.model_path, inputs.arrays)  # before the device: TFLM is the truth
    with _device_link(project, options) as (link, session):
        dut = Dut(link)
        identity = dut.identity()
        check_identity(identity, project.model_hash, graph)
        selftest = boot_selftest(dut)
        with _streamer(project, options, identity) as streamer:
            hook = _aggregator_hook(streamer, identity, inputs) if streamer else None
            report = run_samples(dut, inputs, reference, model=project.model_name, model_hash=project.model_hash,
                                 project=str(project.directory), clock_hz=project.board.cpu.clock_hz,
                                 on_result=hook,
                                 progress=(lambda done: progress(done, inputs.count)) if progress else None)
            report.selftest = selftest
        _add_emulator_instructions(report, session, dut)
    if options.save_outputs:
        save_outputs(graph, report.outputs, options.save_outputs)
    return report


@contextlib.contextmanager
def _device_link(project, options: RunOptions) -> Iterator:
    from toolchain.flash import flash_project, resolve_port

    if options.emulator is not None:
        if options.flash:
            from toolchain.flash.emulator import start_emulator_via_gdb
            session = start_emulator_via_gdb(project, options.emulator, env=options.env)
        else:
            from toolchain.emulators.launch import start_emulator
            session = start_emulator(project, options.emulator, env=options.env)
        try:
            link = session.link if hasattr(session, "link") else open_link(session.url)
            try:
                yield link, session
            finally:
                link.close()
        finally:
            session.stop()
        return
    port = resolve_port(project.board, options.port)
    if options.flash:
        flash_project(project.directory, port=port, env=options.env)
    link = open_link(port, baud=project.board.console.baud)
    try:
        yield link, None
    finally:
        link.close()


def _add_emulator_instructions(report: HilReport, session, dut: Dut) -> None:
    """Renode's executed instructions per answered inference. Only for a run without device
    resets or errors: a reboot's self-test or an unanswered inference would shift the pairing of
    counter reads to inferences."""
    from toolchain.emulators.renode import RenodeSession

    if (isinstance(session, RenodeSession) and report.counters and report.error is None
            and dut.stats.resets == dut.stats.restarts == 0):
        report.emulator_instructions = session.inference_instructions(len(report.counters))
        report.emulator = "renode"


@contextlib.contextmanager
def _streamer(project, options: RunOptions, identity: Identity):
    if options.aggregator is None:
        yield None
        return
    from hil.streamer import ResultStreamer

    session = f"{project.model_hash}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    spool = project.directory / ".tinylarge" / "spool.db"
    spool.parent.mkdir(parents=True, exist_ok=True)
    out, inp = identity.outputs[0], identity.inputs[0]
    streamer = ResultStreamer(options.aggregator, options.token, options.device_name or project.board.id,
                              session, spool,
                              output_quant={"scale": out.scale, "zero_point": out.zero_point} if out.scale else None,
                              input_quant={"scale": inp.scale, "zero_point": inp.zero_point} if inp.scale else None)
    try:
        yield streamer
    finally:
        streamer.close()


def _aggregator_hook(streamer, identity: Identity, inputs: HilInputs) -> ResultHook:
    def send(index: int, outputs: list[np.ndarray], counter: int) -> None:
        # every output, concatenated in output order (a split head's feature map can be several tensors)
        result = {"seq": index, "output": np.concatenate([o.reshape(-1) for o in outputs]).tolist(),
                  "input": inputs.arrays[0][index].reshape(-1).tolist()}
        if identity.counter_unit == "cycles" and counter:  # 0: the emulator does not model the counter
            result["latency_cycles"] = int(counter)
        if inputs.labels is not None:
            result["label"] = int(np.asarray(inputs.labels[index]).reshape(-1).argmax()
                                  if np.ndim(inputs.labels[index]) else inputs.labels[index])
        streamer.send(result)

    return send
