"""Which operators of a graph the code generator cannot run: reported before any file is written."""
from __future__ import annotations

from toolchain.codegen.kernel_table import select_kernel, signature
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph


def unsupported_ops(graph: Graph, cpu: str | None = None) -> list[dict]:
    """One dict(index, op, types, reason) per operator with no kernel row, or whose options or
    quantization the kernel's builder rejects."""
    problems = []
    for op in graph.operators:
        types = signature(graph, op)
        kernel = select_kernel(graph, op, cpu)
        if kernel is None:
            problems.append({"index": op.index, "op": op.op, "types": types, "reason": "no kernel for these types"})
            continue
        try:
            kernel.build(graph, op)
        except UnsupportedError as exc:
            problems.append({"index": op.index, "op": op.op, "types": types, "reason": str(exc)})
    return problems


def describe(problems: list[dict]) -> str:
    return "; ".join(f"operator {p['index']} {p['op']} ({p['types']}): {p['reason']}" for p in problems)


def require_supported(graph: Graph, cpu: str | None = None) -> None:
    problems = unsupported_ops(graph, cpu)
    if problems:
        raise UnsupportedError(f"unsupported: {describe(problems)}")
