"""Graph + memory plan -> self-contained C99: tl_model.h/.c, tl_weights.h/.c and the runtime files used.

Every decision (which kernel, which constants, where each tensor lives) is made here in Python; the
Jinja templates only lay the results out. The same graph, plan and target give byte-identical files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np

from toolchain.codegen.c_literals import DTYPE_CODES, c_array_body, c_float, c_int, c_type
from toolchain.codegen.kernel_table import (ConstArray, Float32, Kernel, KernelCall, TensorData,
                                            select_kernel)
from toolchain.codegen.supported import require_supported
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Tensor
from toolchain.plan import MemoryPlan, check_plan, plan_memory
from toolchain.runtime import RUNTIME_DIR

TEMPLATES = Path(__file__).resolve().parent / "templates"
ALWAYS_COPIED = ("tl_runtime.h",)
MAX_IO_RANK = 6


@dataclass
class GeneratedSources:
    """The generated files (name -> text, flat directory) and what produced them."""

    files: dict[str, str]
    plan: MemoryPlan
    kernels: dict[int, Kernel]  # operator index -> the table row used
    cpu: str | None = None
    const_bytes: int = 0  # bytes of every const array in tl_weights.c (weights + per-operator constants)

    @property
    def arena_bytes(self) -> int:
        return self.plan.arena_bytes

    def c_files(self) -> list[str]:
        return sorted(name for name in self.files if name.endswith(".c"))


@dataclass
class _WeightArray:
    symbol: str
    c_type: str
    length: int
    element_bytes: int
    body: str
    comment: str


@dataclass
class _Emitter:
    """Collects the const arrays and renders one operator's parameters and call."""

    graph: Graph
    plan: MemoryPlan
    weights: dict[str, _WeightArray] = field(default_factory=dict)

    def tensor_pointer(self, index: int, writable: bool) -> str:
        if index < 0:
            return "NULL"
        t = self.graph.tensors[index]
        if t.is_constant:
            if writable:
                raise UnsupportedError(f"tensor {index} ({t.name}) is constant but written by an operator")
            return self.weight(t)
        qualifier = "" if writable else "const "
        return f"({qualifier}{c_type(t.dtype)} *)(tl_arena + {self.plan.offsets[index]})"

    def weight(self, t: Tensor) -> str:
        symbol = f"tl_tensor_{t.index}"
        if symbol not in self.weights:
            self.weights[symbol] = _WeightArray(symbol, c_type(t.dtype), max(t.data.size, 1), t.data.itemsize,
                                                c_array_body(t.data if t.data.size else np.zeros(1, t.data.dtype)),
                                                _comment(f"{t.name} {t.describe()}"))
        return symbol

    def const_array(self, op_index: int, array: ConstArray) -> str:
        symbol = f"tl_op{op_index}_{array.name}"
        values = np.asarray(array.values, dtype=array.dtype)
        self.weights[symbol] = _WeightArray(symbol, c_type(array.dtype), max(values.size, 1), values.itemsize,
                                            c_array_body(values if values.size else np.zeros(1, values.dtype)),
                                            f"operator {op_index}: {array.name}")
        return symbol

    def value(self, op_index: int, v) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f".{k} = {self.value(op_index, x)}" for k, x in v.items()) + "}"
        if isinstance(v, (list, tuple)):
            return "{" + ", ".join(self.value(op_index, x) for x in v) + "}"
        if v is None:
            return "NULL"
        if isinstance(v, (bool, np.bool_)):
            return "1" if v else "0"
        if isinstance(v, Float32):
            return c_float(v.value)
        if isinstance(v, ConstArray):
            return self.const_array(op_index, v)
        if isinstance(v, TensorData):
            return self.tensor_pointer(v.index, writable=not self.graph.tensors[v.index].is_constant)
        if isinstance(v, (int, np.integer)):
            return c_int(int(v))
        raise TypeError(f"operator {op_index}: cannot render parameter {v!r}")

    def operator(self, op_index: int, op_name: str, kernel: Kernel, call: KernelCall) -> dict:
        comment = _comment(f"operator {op_index}: {op_name}")
        if call.in_place_of_input:
            return {"index": op_index, "comment": comment, "params": None, "statement": self.shape_only(call)}
        params_symbol = f"tl_op{op_index}_params"
        params = (f"static const {kernel.function}_params {params_symbol} = "
                  f"{self.value(op_index, call.params)};")
        args = [f"&{params_symbol}"]
        args += [self.tensor_pointer(i, writable=False) for i in call.inputs]
        args += [self.tensor_pointer(i, writable=True) for i in call.outputs]
        if call.scratch_bytes > 0:
            args.append(f"(void *)(tl_arena + {self.plan.scratch_offsets[op_index]})")
        elif call.scratch_param:
            args.append("NULL")
        return {"index": op_index, "comment": comment, "params": params,
                "statement": f"{kernel.function}({', '.join(args)});"}

    def shape_only(self, call: KernelCall) -> str | None:
        src = self.graph.tensors[call.inputs[0]]
        copies = []
        for k, dst in enumerate(call.outputs):
            skip = call.output_offsets[k] if call.output_offsets else 0
            nbytes = self.graph.tensors[dst].nbytes
            if src.is_constant:
                source = f"(const uint8_t *){self.weight(src)} + {skip}" if skip else self.weight(src)
                copies.append(f"memcpy(tl_arena + {self.plan.offsets[dst]}, {source}, {nbytes});")
            elif self.plan.offsets[src.index] + skip != self.plan.offsets[dst]:
                copies.append(f"memmove(tl_arena + {self.plan.offsets[dst]}, tl_arena + {self.plan.offsets[src.index] + skip}, "
                              f"{nbytes});")
        return "\n  ".join(copies) or None  # None: the planner placed every output inside the input


def _comment(text: str) -> str:
    return text.replace("*/", "* /").replace("\n", " ")


def _c_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _io_info(t: Tensor, offset: int) -> dict:
    if len(t.shape) > MAX_IO_RANK:
        raise UnsupportedError(f"model input/output {t.index} has rank {len(t.shape)} > {MAX_IO_RANK}")
    if t.dtype not in DTYPE_CODES:
        raise UnsupportedError(f"model input/output {t.index} has type {t.dtype}")
    dims = list(t.shape) + [0] * (MAX_IO_RANK - len(t.shape))
    return {
        "offset": offset, "bytes": t.nbytes, "dtype": DTYPE_CODES[t.dtype], "rank": len(t.shape),
        "dims": ", ".join(str(d) for d in dims),
        "scale": c_float(t.quant.scale[0] if t.quant else 0.0),
        "zero_point": c_int(t.quant.zero_point[0] if t.quant else 0),
        "comment": _comment(f"tensor {t.index} {t.name} {t.describe()}"),
    }


def build_calls(graph: Graph, cpu: str | None = None) -> list[tuple[Kernel, KernelCall]]:
    """Select a kernel and build its call for every operator, in execution order."""
    require_supported(graph, cpu)
    calls = []
    for op in graph.operators:
        kernel = select_kernel(graph, op, cpu)
        calls.append((kernel, kernel.build(graph, op)))
    return calls


def scratch_requests(calls: list[tuple[Kernel, KernelCall]]) -> dict[int, int]:
    return {i: call.scratch_bytes for i, (_, call) in enumerate(calls) if call.scratch_bytes > 0}


def plan_for(graph: Graph, cpu: str | None = None) -> MemoryPlan:
    """The memory plan including every selected kernel's scratch."""
    return plan_memory(graph, scratch_bytes=scratch_requests(build_calls(graph, cpu)))


def _runtime_files(kernels: list[Kernel]) -> dict[str, str]:
    """Runtime sources the model uses, flattened to their base names (a CPU variant takes the
    portable kernel's place under the same name)."""
    wanted: dict[str, Path] = {name: RUNTIME_DIR / name for name in ALWAYS_COPIED}
    for k in kernels:
        for rel in (k.header, k.c_file, *k.runtime):
            if rel:
                wanted[Path(rel).name] = RUNTIME_DIR / rel
    return {name: path.read_text() for name, path in sorted(wanted.items())}


def generate_c(graph: Graph, plan: MemoryPlan | None = None, target: str | None = None) -> GeneratedSources:
    """Generate the model's C. `target` is a CPU name (e.g. "cortex-m4") selecting per-CPU kernel
    variants where the table has them; `plan` defaults to plan_memory with the kernels' scratch."""
    calls = build_calls(graph, target)
    if plan is None:
        plan = plan_memory(graph, scratch_bytes=scratch_requests(calls))
    missing = [i for i, (_, c) in enumerate(calls) if c.scratch_bytes > 0 and i not in plan.scratch_offsets]
    if missing:
        raise UnsupportedError(f"memory plan has no scratch for operators {missing}")
    check_plan(graph, plan)
    for t in graph.input_tensors + graph.output_tensors:
        if t.is_constant or t.index not in plan.offsets:
            raise UnsupportedError(f"model input/output tensor {t.index} is not an arena tensor")

    emitter = _Emitter(graph, plan)
    operators = [emitter.operator(op.index, op.op, kernel, call)
                 for op, (kernel, call) in zip(graph.operators, calls)]
    kernels = [k for k, _ in calls]
    headers = sorted({Path(k.header).name for k in kernels if k.header})
    context = {
        "name": _c_string(graph.name), "hash": graph.model_hash, "arena_bytes": plan.arena_bytes,
        "inputs": [_io_info(t, plan.offsets[t.index]) for t in graph.input_tensors],
        "outputs": [_io_info(t, plan.offsets[t.index]) for t in graph.output_tensors],
        # sizes the HIL protocol's static buffers (toolchain/runtime/protocol/tl_protocol.c)
        "input_bytes_total": sum(t.nbytes for t in graph.input_tensors),
        "output_bytes_total": sum(t.nbytes for t in graph.output_tensors),
        "operators": operators, "headers": headers,
        "weights": [emitter.weights[s] for s in sorted(emitter.weights, key=_symbol_order)],
        "variable_resets": _variable_resets(graph, plan),
        "uses_memmove": any(o["statement"] and o["statement"].startswith(("memmove", "memcpy")) for o in operators),
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    files = {name: env.get_template(f"{name}.j2").render(**context)
             for name in ("tl_model.h", "tl_model.c", "tl_weights.h", "tl_weights.c")}
    files.update(_runtime_files(kernels))
    return GeneratedSources(files=dict(sorted(files.items())), plan=plan,
                            kernels={op.index: k for op, k in zip(graph.operators, kernels)}, cpu=target,
                            const_bytes=sum(w.length * w.element_bytes for w in emitter.weights.values()))


def _variable_resets(graph: Graph, plan: MemoryPlan) -> list[dict]:
    """Variable tensors that must not start as the arena's zeros: TFLM fills an int8 variable with
    its zero point before the first invocation (every other type with zero bytes)."""
    return [{"offset": plan.offsets[t.index], "bytes": t.nbytes, "value": c_int(t.quant.zero_point[0]),
             "comment": _comment(f"tensor {t.index} {t.name} {t.describe()}")}
            for t in graph.tensors
            if t.is_variable and not t.is_constant and t.index in plan.offsets and t.dtype == "int8"
            and t.quant is not None and t.quant.zero_point[0] != 0]


def _symbol_order(symbol: str) -> tuple:
    """Model tensors first by index, then per-operator arrays by operator index and name."""
    if symbol.startswith("tl_tensor_"):
        return (0, int(symbol.rsplit("_", 1)[1]), "")
    op, _, name = symbol[len("tl_op"):].partition("_")
    return (1, int(op), name)


def write_sources(sources: GeneratedSources, out_dir: str | Path) -> list[Path]:
    """Write every generated file into out_dir (created if needed); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sources.files.items():
        path = out / name
        path.write_text(text)
        written.append(path)
    return written
