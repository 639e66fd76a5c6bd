"""The TFLM interpreter (tflite-micro) as the source of truth for outputs and arena size.

It runs in a child process: a corrupted model or a too-small arena can crash the interpreter,
and that must not take the caller down.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from toolchain.errors import ModelError

_ARENA_RE = re.compile(rb"Arena allocation total (\d+) bytes")
_ARENA_HEAD_RE = re.compile(rb"Arena allocation head (\d+) bytes")


def _interpreter(model: bytes, preserve_all_tensors: bool = False):
    from tflite_micro.python.tflite_micro import runtime

    config = (runtime.InterpreterConfig.kPreserveAllTensors if preserve_all_tensors
              else runtime.InterpreterConfig.kAllocationRecording)
    # Generous arena: the interpreter only records what it really uses.
    return runtime.Interpreter.from_bytes(model, arena_size=max(len(model) * 10, 4 << 20),
                                          intrepreter_config=config)


def _capture_native_stderr():
    """In the child: TFLM reports problems on the C++ stderr. Keep them out of the user's terminal
    and hand them back with the error instead."""
    capture = tempfile.TemporaryFile()
    os.dup2(capture.fileno(), 2)
    return capture


def _native_messages(capture) -> str:
    capture.seek(0)
    text = capture.read().decode("utf-8", "replace").strip()
    return f" ({' '.join(text.split())[:300]})" if text else ""


def _run_samples(interp, inputs: list[np.ndarray], n_outputs: int) -> list[np.ndarray]:
    outputs: list[list[np.ndarray]] = [[] for _ in range(n_outputs)]
    for s in range(len(inputs[0])):
        for i, batch in enumerate(inputs):
            interp.set_input(batch[s], i)
        interp.invoke()
        for i in range(n_outputs):
            outputs[i].append(np.array(interp.get_output(i), copy=True))
    return [np.stack(o) for o in outputs]


def _run_worker(model: bytes, inputs: list[np.ndarray], n_outputs: int, conn) -> None:
    capture = _capture_native_stderr()
    try:
        conn.send(("ok", _run_samples(_interpreter(model), inputs, n_outputs)))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}{_native_messages(capture)}"))
    finally:
        conn.close()


def _chains_worker(chains: list[list[tuple[bytes, int]]], inputs: list[np.ndarray], conn) -> None:
    capture = _capture_native_stderr()
    try:
        finals = []
        for chain in chains:
            arrays = inputs
            for model, n_outputs in chain:
                arrays = _run_samples(_interpreter(model), arrays, n_outputs)
            finals.append(arrays)
        conn.send(("ok", finals))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}{_native_messages(capture)}"))
    finally:
        conn.close()


def _call(target, *args, timeout: float = 600):
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, child), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise ModelError("the TFLM reference interpreter timed out")
        status, payload = parent.recv()
    except EOFError:
        proc.join(5)
        raise ModelError(f"the TFLM reference interpreter crashed (exit {proc.exitcode})") from None
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    if status != "ok":
        raise ModelError(f"the TFLM reference interpreter rejected the model: {payload}")
    return payload


def _model_bytes(model: str | Path | bytes) -> bytes:
    return model if isinstance(model, (bytes, bytearray)) else Path(model).read_bytes()


def reference_outputs(model: str | Path | bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run N samples through TFLM. `inputs[i]` is stacked (N, *shape of input i); returns one
    stacked (N, *shape) array per model output."""
    from toolchain.model.reader import parse_model

    data = _model_bytes(model)
    graph = parse_model(data)  # validates before the interpreter sees the bytes
    if len(inputs) != len(graph.inputs):
        raise ModelError(f"model has {len(graph.inputs)} inputs, {len(inputs)} given")
    return _call(_run_worker, data, [np.asarray(x) for x in inputs], len(graph.outputs))


def reference_chains(chains: list[list[str | Path | bytes]], inputs: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Run the same N samples through several chains of models in one child process: each model
    of a chain takes the previous model's outputs as its inputs (output i -> input i). Returns the
    last model's stacked outputs per chain (e.g. the whole model, and a split's head -> tail)."""
    from toolchain.model.reader import parse_model

    loaded = [[(data, len(parse_model(data).outputs)) for data in map(_model_bytes, chain)] for chain in chains]
    return _call(_chains_worker, loaded, [np.asarray(x) for x in inputs])


def _tensors_worker(model: bytes, inputs: list[np.ndarray], tensors: list[int], digest, conn) -> None:
    capture = _capture_native_stderr()
    try:
        interp = _interpreter(model, preserve_all_tensors=True)
        per_sample = []
        for s in range(len(inputs[0])):
            for i, batch in enumerate(inputs):
                interp.set_input(batch[s], i)
            interp.invoke()
            per_sample.append([digest(np.ascontiguousarray(interp.GetTensor(t, 0)["tensor_data"]).tobytes())
                               for t in tensors])
        conn.send(("ok", per_sample))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}{_native_messages(capture)}"))
    finally:
        conn.close()


def reference_tensor_digests(model: str | Path | bytes, inputs: list[np.ndarray], tensors: list[int],
                             digest) -> list[list]:
    """TFLM with every intermediate tensor kept (kPreserveAllTensors): for each of the N samples,
    `digest(bytes)` of each listed tensor after the whole invoke. `digest` must be picklable."""
    from toolchain.model.reader import parse_model

    data = _model_bytes(model)
    graph = parse_model(data)
    if len(inputs) != len(graph.inputs):
        raise ModelError(f"model has {len(graph.inputs)} inputs, {len(inputs)} given")
    return _call(_tensors_worker, data, [np.asarray(x) for x in inputs], list(tensors), digest)


def _arena_worker(model: bytes, conn) -> None:
    """Measures the arena by capturing what print_allocations writes to the C++ stderr."""
    native = _capture_native_stderr()
    try:
        interp = _interpreter(model)
        with tempfile.TemporaryFile() as capture:
            sys.stderr.flush()
            saved = os.dup(2)
            os.dup2(capture.fileno(), 2)
            try:
                interp.print_allocations()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            capture.seek(0)
            text = capture.read()
        total, head = _ARENA_RE.search(text), _ARENA_HEAD_RE.search(text)
        if not total:
            conn.send(("error", "print_allocations reported no arena total"))
        else:
            conn.send(("ok", (int(total.group(1)), int(head.group(1)) if head else 0)))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}{_native_messages(native)}"))
    finally:
        conn.close()


def tflm_arena(model: str | Path | bytes) -> tuple[int, int]:
    """(total, head) arena bytes TFLM allocates for the model: head is the activation planner's part."""
    return _call(_arena_worker, _model_bytes(model), timeout=120)


def tflm_arena_bytes(model: str | Path | bytes) -> int:
    return tflm_arena(model)[0]
