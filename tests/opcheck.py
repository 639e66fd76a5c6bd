"""Compare generated C with TFLM on many small models at once.

TFLM runs every model of a batch in one child process (one interpreter start-up instead of one per
model); the generated C is built for the host two models at a time (gcc runs in parallel threads).
Chosen models (by default the first of a batch) run as AddressSanitizer + UBSan executables instead.
"""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np

from toolchain.codegen.host import HostModel
from toolchain.model.graph import Graph
from toolchain.model.writer import serialize_model

from opmodels import merge_graphs


@dataclass
class Outcome:
    label: str
    graph: Graph
    want: list[np.ndarray]
    got: list[np.ndarray]

    def mismatch(self) -> str | None:
        """None when every output byte equals TFLM's, else a one-line description."""
        for k, (w, g) in enumerate(zip(self.want, self.got)):
            if w.dtype != g.dtype or w.shape != g.shape:
                return f"{self.label}: output {k} is {g.dtype}{g.shape}, TFLM gives {w.dtype}{w.shape}"
            if w.tobytes() != g.tobytes():
                where = np.argwhere(w.view(np.uint8).reshape(w.shape[0], -1) != g.view(np.uint8).reshape(g.shape[0], -1))
                sample = int(where[0][0])
                diff = np.abs(w.astype(np.float64) - g.astype(np.float64))
                producer = next(op for op in self.graph.operators if self.graph.outputs[k] in op.outputs)
                return (f"{self.label}: output {k} ({producer.op}) differs in {int((w != g).sum())} of {w.size} "
                        f"values (max |diff| {np.nanmax(diff)}), first in sample {sample}; "
                        f"options {producer.options}")
        return None


def _tflm_worker(jobs: list[tuple[bytes, list[np.ndarray], int]]) -> list[list[np.ndarray]]:
    from tflite_micro.python.tflite_micro import runtime

    results = []
    for model, inputs, n_outputs in jobs:
        interp = runtime.Interpreter.from_bytes(model, arena_size=max(len(model) * 10, 1 << 20))
        outputs: list[list[np.ndarray]] = [[] for _ in range(n_outputs)]
        for s in range(len(inputs[0])):
            for i, batch in enumerate(inputs):
                interp.set_input(batch[s], i)
            interp.invoke()
            for i in range(n_outputs):
                outputs[i].append(np.array(interp.get_output(i), copy=True))
        results.append([np.stack(o) for o in outputs])
    return results


def tflm_outputs(jobs: list[tuple[bytes, list[np.ndarray], int]]) -> list[list[np.ndarray]]:
    """TFLM's outputs for each (model bytes, stacked inputs, output count), all in one spawned child."""
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_tflm_worker, (jobs,))


def run_c(graph: Graph, inputs: list[np.ndarray], sanitize: bool = False) -> list[np.ndarray]:
    return HostModel(graph, sanitize=sanitize).run(inputs)


def compare(cases: list[tuple[str, Graph, list[np.ndarray]]],
            sanitize: Callable[[int, str], bool] = lambda index, label: index == 0) -> list[Outcome]:
    """Run every (label, graph, inputs) through TFLM and through the generated C; the cases
    `sanitize(index, label)` picks (by default the first) run under ASan + UBSan."""
    wants = tflm_outputs([(serialize_model(g), x, len(g.outputs)) for _, g, x in cases])
    with ThreadPoolExecutor(2) as pool:
        gots = list(pool.map(lambda item: run_c(item[1][1], item[1][2], sanitize(item[0], item[1][0])),
                             enumerate(cases)))
    return [Outcome(label, g, w, o) for (label, g, _), w, o in zip(cases, wants, gots)]


def compare_merged(cases: list[tuple[str, Graph, list[np.ndarray]]], per_build: int = 12) -> list[Outcome]:
    """`compare`, with up to `per_build` consecutive cases of equal sample count merged side by side
    into one model per build; outcomes come back per case. The first merged model runs under
    ASan + UBSan."""
    chunks: list[list] = []
    for case in cases:
        samples = len(case[2][0])
        if not chunks or len(chunks[-1]) == per_build or len(chunks[-1][0][2][0]) != samples:
            chunks.append([])
        chunks[-1].append(case)
    merged = [(f"chunk{n}", merge_graphs([g for _, g, _ in chunk]), [x for _, _, xs in chunk for x in xs])
              for n, chunk in enumerate(chunks)]
    outcomes = []
    for chunk, result in zip(chunks, compare(merged)):
        start = 0
        for label, graph, _ in chunk:
            end = start + len(graph.outputs)
            outcomes.append(Outcome(label, graph, result.want[start:end], result.got[start:end]))
            start = end
    return outcomes


def assert_all_exact(outcomes: list[Outcome]) -> None:
    problems = [m for m in (o.mismatch() for o in outcomes) if m]
    assert not problems, "\n".join(problems)
