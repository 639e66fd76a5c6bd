"""The kernel seam: which C function (in which runtime file) runs an operator, and with what constants.

A `Kernel` row binds (operator, type signature[, cpu]) to a C file, its function and a Python builder.
The builder turns the Graph's Operator into a `KernelCall`: the constant parameter struct (multipliers,
shifts, padding, activation range... computed here exactly as TFLM computes them at Prepare time) and
the tensors passed as pointers. Rows live in one module per operator (`toolchain/codegen/ops/`); a
faster kernel for one CPU is one more row with `cpu=` and a file under `kernels/<cpu>/` that defines
the same function with the same parameter struct, so the generator never changes.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Callable, Union

import numpy as np

from toolchain.model.graph import Graph, Operator


@dataclass(frozen=True)
class ConstArray:
    """A constant array a kernel needs besides the model's own tensors (per-channel multipliers,
    folded biases...). Emitted into tl_weights.c as `tl_op<index>_<name>`."""

    name: str
    dtype: str  # numpy dtype name: int8, int16, int32, float32, ...
    values: np.ndarray


@dataclass(frozen=True)
class TensorData:
    """A pointer to a graph tensor as a struct field (the arena place, or its const weight array)."""

    index: int


@dataclass(frozen=True)
class Float32:
    """A float field rendered exactly (hex float literal) after rounding to single precision."""

    value: float


ParamValue = Union[int, bool, None, Float32, ConstArray, TensorData, dict, list]


@dataclass
class KernelCall:
    """One kernel call: `function(&params, inputs..., outputs...[, scratch])`.

    `params` fill the kernel's parameter struct with designated initializers, in order; nested dicts are
    nested structs. `inputs`/`outputs` are tensor indices passed as typed pointers (-1 passes NULL).
    `scratch_bytes` > 0 reserves arena scratch for this operator and passes it last as `void *`
    (with `scratch_param`, NULL is passed when no scratch is needed).
    `in_place_of_input` marks a shape-only or view operator (its row has no C file): output k is the
    bytes of input 0 from `output_offsets[k]` on (0 when not given). When the planner placed it there
    nothing is emitted, otherwise a memmove (memcpy from a constant) of the output's bytes."""

    params: dict[str, ParamValue]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    scratch_bytes: int = 0
    in_place_of_input: bool = False
    output_offsets: tuple[int, ...] = ()
    scratch_param: bool = False  # the kernel always takes a scratch pointer: NULL when scratch_bytes is 0


Builder = Callable[[Graph, Operator], KernelCall]


@dataclass(frozen=True)
class Kernel:
    """One table row. `types` are fnmatch patterns over `signature(graph, op)`, e.g. "int8,int8,int32->int8"."""

    op: str
    types: tuple[str, ...]
    function: str
    c_file: str | None  # relative to toolchain/runtime, e.g. "kernels/conv_2d_int8.c"; None: no C
    header: str | None  # the op's header with the params struct and prototype, e.g. "kernels/conv_2d.h"
    build: Builder
    cpu: str | None = None  # None: portable C99
    runtime: tuple[str, ...] = field(default=("tl_quant.h", "tl_quant.c"))  # other runtime files used
    accepts: Callable[[Graph, Operator], bool] | None = None  # a CPU row may take only some shapes
    # what the kernel is bit-exact with: the TFLM interpreter, or (for operators TFLM has no kernel
    # for) LiteRT's reference kernels ("LiteRT BUILTIN_REF")
    reference: str = "TFLM"

    def takes(self, graph: Graph, op: Operator) -> bool:
        return self.accepts is None or self.accepts(graph, op)

    def matches(self, op: str, sig: str) -> bool:
        return self.op == op and any(fnmatch.fnmatchcase(sig, pattern) for pattern in self.types)


def signature(graph: Graph, op: Operator) -> str:
    """Types of an operator as one string: "in,in,...->out,...", omitted optional inputs skipped."""
    ins = ",".join(graph.tensors[i].dtype for i in op.inputs if i >= 0)
    outs = ",".join(graph.tensors[i].dtype for i in op.outputs)
    return f"{ins}->{outs}"


def kernel_table() -> list[Kernel]:
    from toolchain.codegen.ops import OP_MODULES

    return [row for module in OP_MODULES for row in module.KERNELS]


def select_kernel(graph: Graph, op: Operator, cpu: str | None = None) -> Kernel | None:
    """The CPU's own row when there is one that takes the operator, else the portable row; None when
    unsupported."""
    sig = signature(graph, op)
    rows = [k for k in kernel_table() if k.matches(op.op, sig)]
    for wanted in ((cpu,) if cpu else ()) + (None,):
        for row in rows:
            if row.cpu == wanted and row.takes(graph, op):
                return row
    return None
