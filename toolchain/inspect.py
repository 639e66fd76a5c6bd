"""`tinylarge inspect`: what a model costs and whether it fits, before a line of firmware."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from toolchain.boards import load_board
from toolchain.codegen.generator import plan_for
from toolchain.codegen.supported import litert_referenced_ops, unsupported_ops
from toolchain.errors import ModelError
from toolchain.model.analysis import OperatorCost, operator_costs
from toolchain.model.reader import read_model
from toolchain.plan import check_plan, plan_memory
from toolchain.plan.fit import FitReport, estimate_fit
from toolchain.reference import tflm_arena_bytes


@dataclass
class InspectReport:
    model: str
    sha256: str
    operators: list[OperatorCost]
    inputs: list[str]
    outputs: list[str]
    total_macs: int
    weight_bytes: int
    arena_bytes: int
    tflm_arena_bytes: int | None  # None when TFLM itself cannot run the model (tflm_error says why)
    unsupported_ops: list[dict]
    fit: FitReport | None = None
    tflm_error: str | None = None
    # operators TFLM has no kernel for, whose kernels are bit-exact with LiteRT's reference kernels
    litert_referenced_ops: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        data["fit"] = None if self.fit is None else {**asdict(self.fit), "fits": self.fit.fits}
        return data


def inspect_model(path: str | Path, board_name: str | None = None) -> InspectReport:
    board = load_board(board_name) if board_name else None  # an unknown board fails before the work
    graph = read_model(path)
    problems = unsupported_ops(graph)
    # with every operator supported, the figure includes the kernels' scratch: the arena codegen emits
    plan = plan_memory(graph) if problems else plan_for(graph)
    check_plan(graph, plan)
    costs = operator_costs(graph)
    try:
        tflm_arena, tflm_error = tflm_arena_bytes(path), None
    except ModelError as exc:  # e.g. an operator TFLM has no kernel for: still report ours
        tflm_arena, tflm_error = None, str(exc)
    return InspectReport(
        model=str(path), sha256=graph.sha256, operators=costs,
        inputs=[t.describe() for t in graph.input_tensors],
        outputs=[t.describe() for t in graph.output_tensors],
        total_macs=sum(c.macs for c in costs), weight_bytes=graph.weight_bytes(),
        arena_bytes=plan.arena_bytes, tflm_arena_bytes=tflm_arena, unsupported_ops=problems,
        fit=estimate_fit(graph, plan.arena_bytes, board) if board else None, tflm_error=tflm_error,
        litert_referenced_ops=litert_referenced_ops(graph))
