"""Which operators of a graph the code generator cannot run: reported before any file is written."""
from __future__ import annotations

from toolchain.codegen.kernel_table import select_kernel, signature
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph


CONTROL_FLOW = ("control flow over subgraphs, which the code generator does not run (it runs the main "
                "subgraph); a Keras 3 LSTM/GRU/SimpleRNN with unroll=False converts to a WHILE loop: build the "
                "layer with unroll=True, or convert the LSTM to one fused UNIDIRECTIONAL_SEQUENCE_LSTM "
                "(docs/codegen.md)")
# Operators (with types) that have no kernel on purpose, and why.
NO_KERNEL_REASONS = {
    ("WHILE", "*"): CONTROL_FLOW, ("IF", "*"): CONTROL_FLOW, ("CALL_ONCE", "*"): CONTROL_FLOW,
    ("HARD_SWISH", "int16"): "TFLM has no int16 HARD_SWISH kernel (its interpreter refuses the type as well)",
    ("TILE", "int16"): "neither TFLM nor LiteRT's reference kernels have an int16 TILE",
    ("GELU", "float32"): "TFLM has no GELU and LiteRT computes float32 GELU with Eigen's vectorised erf, "
                         "which portable C does not reproduce bit for bit",
}


def no_kernel_reason(op: str, types: str) -> str:
    for (name, input_type), reason in NO_KERNEL_REASONS.items():
        if name == op and (input_type == "*" or types.startswith(f"{input_type},") or types.startswith(f"{input_type}->")):
            return reason
    return "no kernel for these types"


def unsupported_ops(graph: Graph, cpu: str | None = None) -> list[dict]:
    """One dict(index, op, types, reason) per operator with no kernel row, or whose options or
    quantization the kernel's builder rejects."""
    problems = []
    for op in graph.operators:
        types = signature(graph, op)
        kernel = select_kernel(graph, op, cpu)
        if kernel is None:
            problems.append({"index": op.index, "op": op.op, "types": types, "reason": no_kernel_reason(op.op, types)})
            continue
        try:
            kernel.build(graph, op)
        except UnsupportedError as exc:
            problems.append({"index": op.index, "op": op.op, "types": types, "reason": str(exc)})
    return problems


def litert_referenced_ops(graph: Graph) -> list[dict]:
    """One dict(index, op, reference) per operator whose kernel is checked against LiteRT's reference
    kernels because TFLM has none for it; [] when TFLM is the reference for the whole model."""
    found = []
    for op in graph.operators:
        kernel = select_kernel(graph, op)
        if kernel is not None and kernel.reference != "TFLM":
            found.append({"index": op.index, "op": op.op, "reference": kernel.reference})
    return found


def describe(problems: list[dict]) -> str:
    return "; ".join(f"operator {p['index']} {p['op']} ({p['types']}): {p['reason']}" for p in problems)


def require_supported(graph: Graph, cpu: str | None = None) -> None:
    problems = unsupported_ops(graph, cpu)
    if problems:
        raise UnsupportedError(f"unsupported: {describe(problems)}")
