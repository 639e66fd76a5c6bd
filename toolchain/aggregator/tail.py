"""Split computing, server side: the device ran a model's head and sent the feature map it computed
(every tensor crossing the cut, raw integers, concatenated in the tail's input order) as its
`output`. The tail (`tinylarge split`) turns each feature map into the model's final output with
the TFLM interpreter, in a child process per batch (toolchain.reference), so the stored result
is exactly what the whole model would have computed on the device; the cascade then judges it as
any other result."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.models import BatchRejected, Quantization, ResultBatch
from toolchain.errors import ModelError
from toolchain.model.graph import Graph, Tensor
from toolchain.model.reader import read_model
from toolchain.reference import reference_outputs, tflm_arena_bytes

_FEATURE_DTYPES = ("int8", "uint8", "int16")


@dataclass(frozen=True)
class Tail:
    name: str
    model: bytes
    graph: Graph

    @property
    def input_values(self) -> int:
        return sum(t.num_elements for t in self.graph.input_tensors)

    def finish(self, batch: ResultBatch) -> ResultBatch:
        """The batch with every feature map replaced by the tail's output (raw values, and the
        tail output's quantization); BatchRejected when a feature map does not fit the tail."""
        self._check_quantization(batch.output_quant)
        features = [self._feature_map(index, result.output) for index, result in enumerate(batch.results)]
        stacked = [np.stack([f[k] for f in features]) for k in range(len(self.graph.inputs))]
        try:
            final = reference_outputs(self.model, stacked)[0]
        except ModelError as exc:
            raise AggregatorError(f"tail {self.name}: {exc}") from None
        results = [result.model_copy(update={"output": final[i].reshape(-1).tolist()})
                   for i, result in enumerate(batch.results)]
        return batch.model_copy(update={"results": results, "output_quant": _quantization(self.graph.output_tensors[0])})

    def _check_quantization(self, sent: Quantization | None) -> None:
        first = self.graph.input_tensors[0]
        expected = _quantization(first)
        if sent is None or expected is None:
            return
        if np.float32(sent.scale) != np.float32(expected.scale) or sent.zero_point != expected.zero_point:
            raise BatchRejected(f"output_quant: scale {sent.scale} zero point {sent.zero_point} is not the tail "
                                f"{self.name}'s input (scale {expected.scale} zero point {expected.zero_point}): "
                                "the device runs another head")

    def _feature_map(self, index: int, values: list[float]) -> list[np.ndarray]:
        if len(values) != self.input_values:
            raise BatchRejected(f"results.{index}.output: has {len(values)} values, the tail {self.name} takes "
                                f"{self.input_values} ({', '.join(t.describe() for t in self.graph.input_tensors)})")
        flat = np.asarray(values, dtype=np.float64)
        arrays, start = [], 0
        for t in self.graph.input_tensors:
            part = flat[start:start + t.num_elements]
            start += t.num_elements
            info = np.iinfo(t.dtype)
            if not (np.all(part == np.round(part)) and part.min() >= info.min and part.max() <= info.max):
                raise BatchRejected(f"results.{index}.output: a feature map holds {t.dtype} integers, "
                                    f"got values outside [{info.min}, {info.max}] or with fractions")
            arrays.append(part.astype(t.dtype).reshape(t.shape))
        return arrays


def _quantization(tensor: Tensor) -> Quantization | None:
    quant = tensor.quant
    if quant is None or quant.per_channel or not quant.scale[0] > 0:
        return None
    return Quantization(scale=float(quant.scale[0]), zero_point=int(quant.zero_point[0]))


def load_tail(path: str | Path) -> Tail:
    """Read and check the tail now (TFLM must be able to run it), so a bad file fails before serving."""
    try:
        graph = read_model(path)
        tflm_arena_bytes(path)
    except ModelError as exc:
        raise AggregatorError(f"tail model: {exc}") from None
    if len(graph.outputs) != 1:
        raise AggregatorError(f"tail model {path}: {len(graph.outputs)} outputs; a tail stores one output per result")
    odd = [t.describe() for t in graph.input_tensors if t.dtype not in _FEATURE_DTYPES]
    if odd:
        raise AggregatorError(f"tail model {path}: inputs {', '.join(odd)} are not int8/uint8/int16 feature maps")
    return Tail(name=Path(path).name, model=Path(path).read_bytes(), graph=graph)
