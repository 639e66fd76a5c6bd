"""The Graph: the one model representation every stage after the reader works on."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# numpy dtype name -> bytes per element, for the tensor types the toolchain understands.
DTYPE_SIZES = {
    "float32": 4, "float16": 2, "float64": 8, "int32": 4, "int64": 8, "int16": 2, "int8": 1,
    "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8, "bool": 1, "int4": 1, "complex64": 8,
    "string": 1,
}


@dataclass(frozen=True)
class Quantization:
    """Affine quantization: real = scale * (q - zero_point), per tensor or per channel along `axis`."""

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    def scales(self) -> np.ndarray:
        return np.asarray(self.scale, dtype=np.float32)


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Quantization | None = None
    data: np.ndarray | None = None  # constant tensors only (weights, biases, shape operands)
    is_variable: bool = False

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def num_elements(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        if self.dtype == "int4":
            return (self.num_elements + 1) // 2
        return self.num_elements * DTYPE_SIZES[self.dtype]

    def describe(self) -> str:
        return f"{self.dtype}[{','.join(map(str, self.shape))}]"


@dataclass
class Operator:
    index: int
    op: str  # TFLite builtin name, e.g. "CONV_2D"; custom operators are "CUSTOM:<code>"
    inputs: tuple[int, ...]  # tensor indices, -1 for an omitted optional input
    outputs: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)
    version: int = 1


@dataclass
class Graph:
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    name: str = "model"
    sha256: str = ""
    description: str = ""
    subgraph_count: int = 1

    def tensor(self, index: int) -> Tensor:
        return self.tensors[index]

    def op_inputs(self, op: Operator) -> list[Tensor | None]:
        return [self.tensors[i] if i >= 0 else None for i in op.inputs]

    def op_outputs(self, op: Operator) -> list[Tensor]:
        return [self.tensors[i] for i in op.outputs]

    @property
    def input_tensors(self) -> list[Tensor]:
        return [self.tensors[i] for i in self.inputs]

    @property
    def output_tensors(self) -> list[Tensor]:
        return [self.tensors[i] for i in self.outputs]

    @property
    def model_hash(self) -> str:
        """First 16 hex digits of the model file's SHA-256: what firmware reports as its identity."""
        return self.sha256[:16]

    def activation_tensors(self) -> list[Tensor]:
        """Tensors that live in the arena: everything an operator touches that is not constant."""
        used: set[int] = set(self.inputs) | set(self.outputs)
        for op in self.operators:
            used.update(i for i in op.inputs if i >= 0)
            used.update(op.outputs)
        return [self.tensors[i] for i in sorted(used) if not self.tensors[i].is_constant]

    def weight_bytes(self) -> int:
        used: set[int] = set()
        for op in self.operators:
            used.update(i for i in op.inputs if i >= 0)
        return sum(self.tensors[i].nbytes for i in used if self.tensors[i].is_constant)
