"""Cut a Graph in two after one operator: the head (operators 0..K) runs on the device, the tail
(K+1..end) on the aggregator. Every activation computed in the head and read in the tail crosses
the cut: it becomes a head output and, in the same order, a tail input. The tensors are copied as
they are (shape, dtype, quantization), so running head then tail computes exactly what the whole
model computes."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from toolchain.errors import ModelError
from toolchain.model.graph import Graph, Operator, Tensor
from toolchain.model.writer import serialize_model


class SplitError(ModelError):
    """A cut that cannot give a head and a tail the TFLM interpreter runs bit-exactly."""


@dataclass(frozen=True)
class Cut:
    after: int  # the last operator of the head
    tensors: tuple[int, ...]  # indices (in the whole model) of the tensors crossing the cut, in tail-input order

    def payload_bytes(self, graph: Graph) -> int:
        """Bytes the device sends per inference: every crossing tensor, concatenated."""
        return sum(graph.tensors[i].nbytes for i in self.tensors)


@dataclass
class SplitModels:
    cut: Cut
    head: Graph
    tail: Graph

    def head_bytes(self) -> bytes:
        return serialize_model(self.head)

    def tail_bytes(self) -> bytes:
        return serialize_model(self.tail)


@dataclass(frozen=True)
class SplitFiles:
    cut: Cut
    head_path: Path
    tail_path: Path
    cut_tensors: tuple[str, ...]  # "tensor 30 int8[1,25,5,64]" per crossing tensor (whole-model index)
    payload_bytes: int


def cut_positions(graph: Graph) -> range:
    """Every K a cut may follow: at least one operator on each side."""
    return range(0, len(graph.operators) - 1)


def find_cut(graph: Graph, after: int) -> Cut:
    """The tensors crossing a cut after operator `after`, or SplitError saying why none can be made."""
    if graph.subgraph_count != 1:
        raise SplitError(f"{graph.name}: {graph.subgraph_count} subgraphs (control flow); only one-subgraph "
                         "models can be split")
    last = len(graph.operators) - 2
    if last < 0:
        raise SplitError(f"{graph.name}: one operator only, nothing to split")
    if not 0 <= after <= last:
        raise SplitError(f"{graph.name}: --at {after} is not a cut position; cuts go after operator 0..{last} "
                         "(numbered as in `tinylarge inspect`)")
    head_ops, tail_ops = graph.operators[:after + 1], graph.operators[after + 1:]
    produced = {i: op.index for op in head_ops for i in op.outputs}
    crossing: set[int] = set()
    for op in tail_ops:
        for i in op.inputs:
            if i < 0 or graph.tensors[i].is_constant:
                continue
            if i in graph.inputs:
                raise SplitError(f"{graph.name}: the model input tensor {i} is read after the cut (by operator "
                                 f"{op.index} {op.op}); cut after operator {op.index} or later")
            if graph.tensors[i].is_variable:
                raise SplitError(f"{graph.name}: variable tensor {i} (state) is used on both sides of the cut")
            if i in produced:
                crossing.add(i)
    for i in graph.outputs:
        if i in produced:
            raise SplitError(f"{graph.name}: model output tensor {i} is computed before the cut (by operator "
                             f"{produced[i]}); cut after operator {produced[i]} or later")
    if not crossing:
        raise SplitError(f"{graph.name}: no activation crosses a cut after operator {after}")
    order = sorted(crossing, key=lambda i: (produced[i], i))  # as the head computes them
    return Cut(after=after, tensors=tuple(order))


def split_graph(graph: Graph, after: int) -> SplitModels:
    cut = find_cut(graph, after)
    source = f"{graph.name} (sha256 {graph.model_hash})"
    head = subgraph(graph, graph.operators[:after + 1], graph.inputs, cut.tensors, f"{graph.name}_head",
                     f"tinylarge split: head of {source}, operators 0..{after}")
    tail = subgraph(graph, graph.operators[after + 1:], cut.tensors, graph.outputs, f"{graph.name}_tail",
                     f"tinylarge split: tail of {source}, operators {after + 1}..{len(graph.operators) - 1}")
    return SplitModels(cut=cut, head=head, tail=tail)


def subgraph(graph: Graph, operators: list[Operator], inputs: tuple[int, ...], outputs: tuple[int, ...],
              name: str, description: str) -> Graph:
    """The operators with just the tensors they touch, renumbered densely in their original order."""
    used = set(inputs) | set(outputs)
    for op in operators:
        used.update(i for i in op.inputs if i >= 0)
        used.update(op.outputs)
    new_index = {old: new for new, old in enumerate(sorted(used))}
    tensors: list[Tensor] = [replace(graph.tensors[old], index=new) for old, new in new_index.items()]
    ops = [replace(op, index=k, inputs=tuple(new_index[i] if i >= 0 else -1 for i in op.inputs),
                   outputs=tuple(new_index[i] for i in op.outputs))
           for k, op in enumerate(operators)]
    return Graph(tensors=tensors, operators=ops, inputs=tuple(new_index[i] for i in inputs),
                 outputs=tuple(new_index[i] for i in outputs), name=name, description=description)


def device_part(graph: Graph, after: int) -> tuple[Graph, tuple[int, ...]]:
    """What the device runs and sends for a cut after operator `after`, endpoints included:
    -1 runs nothing and sends the model input; the last operator runs the whole model."""
    if after == len(graph.operators) - 1:
        return graph, graph.outputs
    if after == -1:
        return subgraph(graph, [], graph.inputs, graph.inputs, f"{graph.name}_input", ""), graph.inputs
    split = split_graph(graph, after)
    return split.head, split.cut.tensors


def write_split(graph: Graph, after: int, out_dir: str | Path) -> SplitFiles:
    """head.tflite and tail.tflite in `out_dir` (created if missing)."""
    models = split_graph(graph, after)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        head_path, tail_path = out / "head.tflite", out / "tail.tflite"
        head_path.write_bytes(models.head_bytes())
        tail_path.write_bytes(models.tail_bytes())
    except OSError as exc:
        raise SplitError(f"{out}: cannot write the split models ({exc.strerror})") from None
    described = tuple(f"tensor {i} {graph.tensors[i].describe()}" for i in models.cut.tensors)
    return SplitFiles(cut=models.cut, head_path=head_path, tail_path=tail_path, cut_tensors=described,
                      payload_bytes=models.cut.payload_bytes(graph))
