"""`verify`: run the generated C on the host and compare every output byte with TFLM."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from toolchain.codegen.host import HostInputError, HostModel
from toolchain.model.graph import Graph, Tensor
from toolchain.model.reader import read_model
from toolchain.codegen.supported import litert_referenced_ops
from toolchain.reference import mixed_reference_outputs, reference_outputs


@dataclass
class Mismatch:
    sample: int
    output: int  # model output position
    tensor: int  # tensor index
    element: int  # flat index within the sample's output
    ours: float
    reference: float


@dataclass
class VerifyReport:
    model: str
    model_hash: str
    samples: int
    seed: int | None
    outputs_compared: int  # per-sample output tensors compared
    exact_samples: int  # samples whose every output byte equals TFLM's
    max_abs_diff: float
    first_mismatch: Mismatch | None

    @property
    def exact_match_rate(self) -> float:
        return self.exact_samples / self.samples if self.samples else 1.0

    @property
    def ok(self) -> bool:
        return self.exact_samples == self.samples

    def to_dict(self) -> dict:
        d = asdict(self)
        d["exact_match_rate"] = self.exact_match_rate
        d["ok"] = self.ok
        return d


def random_inputs(graph: Graph, samples: int, seed: int) -> list[np.ndarray]:
    """Seeded inputs: integers uniform over the dtype's whole range, floats normal with sigma 2."""
    rng = np.random.default_rng(seed)
    arrays = []
    for t in graph.input_tensors:
        shape = (samples, *t.shape)
        if t.dtype.startswith("float"):
            arrays.append((rng.standard_normal(shape) * 2.0).astype(t.dtype))
        elif t.dtype == "bool":
            arrays.append(rng.integers(0, 2, shape).astype(bool))
        else:
            info = np.iinfo(t.dtype)
            arrays.append(rng.integers(info.min, int(info.max) + 1, shape, dtype=np.int64).astype(t.dtype))
    return arrays


def load_inputs(graph: Graph, path: str | Path) -> list[np.ndarray]:
    """(N, *shape) arrays from .npy (one-input models) or .npz keyed by input tensor index; a lone
    sample of exactly the input's shape counts as N = 1."""
    path = Path(path)
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise HostInputError(f"{path}: cannot read inputs ({exc})") from None
    if isinstance(loaded, np.ndarray):
        if len(graph.inputs) != 1:
            raise HostInputError(f"{path}: model has {len(graph.inputs)} inputs; give an .npz keyed by tensor index")
        arrays = [loaded]
    else:
        missing = [str(i) for i in graph.inputs if str(i) not in loaded.files]
        if missing:
            raise HostInputError(f"{path}: no array for input tensor(s) {', '.join(missing)} "
                                 f"(has {', '.join(loaded.files) or 'none'})")
        arrays = [loaded[str(i)] for i in graph.inputs]
    # A single sample saved without the N axis is taken as N = 1.
    arrays = [a[np.newaxis] if tuple(a.shape) == tuple(t.shape) else a for t, a in zip(graph.input_tensors, arrays)]
    for t, a in zip(graph.input_tensors, arrays):
        _check_shape(t, a, path)
    return arrays


def _check_shape(t: Tensor, a: np.ndarray, path: Path) -> None:
    if a.dtype != np.dtype(t.dtype) or tuple(a.shape[1:]) != tuple(t.shape) or a.ndim != len(t.shape) + 1:
        raise HostInputError(f"{path}: input {t.index} must be (N, {', '.join(map(str, t.shape))}) {t.dtype}, "
                             f"got {a.shape} {a.dtype}")


def save_outputs(graph: Graph, outputs: list[np.ndarray], path: str | Path) -> None:
    path = Path(path)
    if len(outputs) == 1:
        with path.open("wb") as f:
            np.save(f, outputs[0])
    else:
        with path.open("wb") as f:
            np.savez(f, **{str(i): o for i, o in zip(graph.outputs, outputs)})


def compare(graph: Graph, ours: list[np.ndarray], reference: list[np.ndarray], seed: int | None) -> VerifyReport:
    samples = len(ours[0]) if ours else 0
    exact = np.ones(samples, dtype=bool)
    max_diff, first = 0.0, None
    for position, (t, a, b) in enumerate(zip(graph.output_tensors, ours, reference)):
        a_bytes = np.ascontiguousarray(a).view(np.uint8).reshape(samples, -1)
        b_bytes = np.ascontiguousarray(b).view(np.uint8).reshape(samples, -1)
        same = (a_bytes == b_bytes).all(axis=1)
        exact &= same
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64)).reshape(samples, -1)
        if diff.size:
            max_diff = max(max_diff, float(np.nanmax(diff)) if not np.isnan(diff).all() else float("nan"))
        if not same.all():
            s = int(np.argmin(same))
            e = int(np.argmax(a_bytes[s] != b_bytes[s]) // a.dtype.itemsize)
            candidate = Mismatch(s, position, t.index, e, float(a[s].reshape(-1)[e]), float(b[s].reshape(-1)[e]))
            if first is None or candidate.sample < first.sample:
                first = candidate
    return VerifyReport(model=graph.name, model_hash=graph.model_hash, samples=samples, seed=seed,
                        outputs_compared=len(ours), exact_samples=int(exact.sum()), max_abs_diff=max_diff,
                        first_mismatch=first)


def verify_model(model_path: str | Path, samples: int = 200, seed: int = 0, inputs_path: str | Path | None = None,
                 save_outputs_path: str | Path | None = None, cpu: str | None = None,
                 sanitize: bool = False) -> VerifyReport:
    """Generate, compile and run the model's C on the host; compare with the TFLM interpreter (operators
    TFLM has no kernel for run on LiteRT's reference kernels, see `mixed_reference_outputs`)."""
    graph = read_model(model_path)
    if inputs_path is not None:
        inputs, used_seed = load_inputs(graph, inputs_path), None
    else:
        if samples < 1:
            raise HostInputError("--samples must be at least 1")
        inputs, used_seed = random_inputs(graph, samples, seed), seed
    ours = HostModel(graph, cpu=cpu, sanitize=sanitize).run(inputs)
    # TFLM cannot run a model with an operator it has no kernel for: those operators then run on
    # LiteRT's reference kernels, every other one on TFLM
    litert = {r["index"] for r in litert_referenced_ops(graph)}
    reference = (mixed_reference_outputs(model_path, inputs, litert) if litert
                 else reference_outputs(model_path, inputs))
    if save_outputs_path is not None:
        save_outputs(graph, ours, save_outputs_path)
    return compare(graph, ours, reference, used_seed)
