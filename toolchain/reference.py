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
            raise ModelError(f"the {_reference_name(target)} reference interpreter timed out")
        status, payload = parent.recv()
    except EOFError:
        proc.join(5)
        name = _reference_name(target)
        raise ModelError(f"the {name} reference interpreter crashed (exit {proc.exitcode})") from None
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    if status != "ok":
        raise ModelError(f"the {_reference_name(target)} reference interpreter rejected the model: {payload}")
    return payload


def _reference_name(worker) -> str:
    return {_litert_worker: "LiteRT", _mixed_worker: "TFLM + LiteRT"}.get(worker, "TFLM")


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


# LiteRT's reference resolver registers fewer versions of some operators than its converter writes
# (TILE: versions 1-2, while int8 TILE is written as version 3); the reference kernel itself takes
# every type those versions add, so the reference run relabels the operator with a version it has.
_LITERT_REF_MAX_VERSION = {"TILE": 2}


def _for_litert_ref(model: bytes) -> bytes:
    from toolchain.model.reader import parse_model
    from toolchain.model.writer import serialize_model

    graph = parse_model(model)
    if not any(op.version > _LITERT_REF_MAX_VERSION.get(op.op, op.version) for op in graph.operators):
        return model
    for op in graph.operators:
        op.version = min(op.version, _LITERT_REF_MAX_VERSION.get(op.op, op.version))
    return serialize_model(graph)


def _litert_interpreter(model: bytes):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_content=_for_litert_ref(model),
                                 experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    return interp


def _litert_samples(interp, inputs: list[np.ndarray], after_invoke) -> list:
    ins = interp.get_input_details()
    results = []
    for s in range(len(inputs[0])):
        for detail, batch in zip(ins, inputs):
            interp.set_tensor(detail["index"], batch[s])
        interp.invoke()
        results.append(after_invoke(interp))
    return results


def _litert_worker(model: bytes, inputs: list[np.ndarray], conn) -> None:
    capture = _capture_native_stderr()
    try:
        interp = _litert_interpreter(model)
        outs = interp.get_output_details()
        per_sample = _litert_samples(interp, inputs, lambda it: [np.array(it.get_tensor(d["index"]), copy=True)
                                                                   for d in outs])
        conn.send(("ok", [np.stack([sample[k] for sample in per_sample]) for k in range(len(outs))]))
    except ImportError:
        conn.send(("error", "LiteRT's reference kernels come with TensorFlow (pip install -e '.[train]')"))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}{_native_messages(capture)}"))
    finally:
        conn.close()


def _single_operator_model(graph, op) -> tuple[bytes, list[int]]:
    """The operator alone as a model (constants kept): its bytes and the graph tensors that are its
    inputs, in the model's input order."""
    import dataclasses

    from toolchain.model.graph import Graph, Operator
    from toolchain.model.writer import serialize_model

    feeds = [i for i in dict.fromkeys(op.inputs) if i >= 0 and not graph.tensors[i].is_constant]
    used = list(dict.fromkeys([*(i for i in op.inputs if i >= 0), *op.outputs]))
    new = {old: k for k, old in enumerate(used)}
    alone = Graph(tensors=[dataclasses.replace(graph.tensors[old], index=new[old]) for old in used],
                  operators=[Operator(0, op.op, tuple(new[i] if i >= 0 else -1 for i in op.inputs),
                                      tuple(new[o] for o in op.outputs), dict(op.options), op.version)],
                  inputs=tuple(new[i] for i in feeds), outputs=tuple(new[o] for o in op.outputs),
                  name=f"{graph.name}_op{op.index}")
    return serialize_model(alone), feeds


def _mixed_worker(steps: list, feeds: dict[int, np.ndarray], wanted: list[int], conn) -> None:
    capture = _capture_native_stderr()
    try:
        values = dict(feeds)
        for model, on_litert, inputs, outputs in steps:
            arrays = [values[i] for i in inputs]
            if on_litert:
                interp = _litert_interpreter(model)
                details = interp.get_output_details()
                per_sample = _litert_samples(interp, arrays, lambda it: [
                    np.array(it.get_tensor(d["index"]), copy=True) for d in details])
                results = [np.stack([sample[k] for sample in per_sample]) for k in range(len(outputs))]
            else:
                results = _run_samples(_interpreter(model), arrays, len(outputs))
            values.update(zip(outputs, results))
        conn.send(("ok", [values[t] for t in wanted]))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}{_native_messages(capture)}"))
    finally:
        conn.close()


def mixed_reference_tensors(model: str | Path | bytes, inputs: list[np.ndarray], litert_operators: set[int],
                            tensors: list[int]) -> list[np.ndarray]:
    """Each operator run alone, in order, by its own reference: LiteRT's reference kernels for the
    operators in `litert_operators` (those TFLM has no kernel for), TFLM for every other one, each
    fed the references' own results before it. Returns the listed tensors stacked over the N samples.
    This is what TFLM would compute if it had LiteRT's kernels for the operators it lacks (a whole
    model on LiteRT differs from TFLM: its FULLY_CONNECTED is sometimes 1 LSB off)."""
    from toolchain.model.reader import parse_model

    graph = parse_model(_model_bytes(model))
    if len(inputs) != len(graph.inputs):
        raise ModelError(f"model has {len(graph.inputs)} inputs, {len(inputs)} given")
    steps = []
    for op in graph.operators:
        alone, feeds = _single_operator_model(graph, op)
        steps.append((alone, op.index in litert_operators, feeds, list(op.outputs)))
    return _call(_mixed_worker, steps, {t: np.asarray(x) for t, x in zip(graph.inputs, inputs)}, list(tensors))


def mixed_reference_outputs(model: str | Path | bytes, inputs: list[np.ndarray],
                            litert_operators: set[int]) -> list[np.ndarray]:
    from toolchain.model.reader import parse_model

    outputs = list(parse_model(_model_bytes(model)).outputs)
    return mixed_reference_tensors(model, inputs, litert_operators, outputs)


def litert_reference_outputs(model: str | Path | bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """`reference_outputs` from LiteRT's reference kernels (TensorFlow's tf.lite.Interpreter with
    OpResolverType.BUILTIN_REF): the reference for operators TFLM has no kernel for (TILE, GELU)."""
    from toolchain.model.reader import parse_model

    data = _model_bytes(model)
    graph = parse_model(data)
    if len(inputs) != len(graph.inputs):
        raise ModelError(f"model has {len(graph.inputs)} inputs, {len(inputs)} given")
    return _call(_litert_worker, data, [np.asarray(x) for x in inputs])


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
