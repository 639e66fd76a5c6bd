"""Will the int8 student run on a board? Flash/RAM estimate and code-generator operator support."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from toolchain.boards import load_board
from toolchain.codegen.supported import describe, unsupported_ops
from toolchain.model.graph import Graph
from toolchain.plan import check_plan, plan_memory
from toolchain.plan.fit import FitReport, estimate_fit


@dataclass
class BoardCheck:
    board: str
    fit: FitReport
    unsupported: list[dict]  # one dict(index, op, types, reason) per operator the generator cannot run

    @property
    def ok(self) -> bool:
        return self.fit.fits and not self.unsupported

    def problems(self) -> str:
        found = [] if self.fit.fits else [f"does not fit: {self.fit.describe()}"]
        if self.unsupported:
            found.append(f"unsupported: {describe(self.unsupported)}")
        return "; ".join(found)

    def to_dict(self) -> dict:
        return {"board": self.board, "ok": self.ok, "fit": {**asdict(self.fit), "fits": self.fit.fits},
                "unsupported": self.unsupported}


def check_board(graph: Graph, board_name: str) -> BoardCheck:
    board = load_board(board_name)
    plan = plan_memory(graph)
    check_plan(graph, plan)
    return BoardCheck(board.id, estimate_fit(graph, plan.arena_bytes, board),
                      unsupported_ops(graph, board.cpu.core))
