"""Memory plan: tensor lifetimes over the execution order -> one offset per activation in one arena.

Operators that only reinterpret a tensor's shape (RESHAPE, SQUEEZE, EXPAND_DIMS) share their input's
bytes, so they cost neither arena space nor a copy; so do slicing operators whose outputs are
contiguous runs of their input (SPLIT along the outermost dimension, UNPACK of axis 0, SLICE of whole
rows...): each output lives inside the input's bytes at its own offset. Placement is greedy by size (largest first, lowest
offset that collides with no buffer alive at the same time), the same strategy TFLM's greedy planner uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from toolchain.errors import ToolchainError
from toolchain.model.graph import Graph
from toolchain.model.views import data_input, shared_byte_offsets

DEFAULT_ALIGNMENT = 16
# A view inside its input starts on this boundary or gets its own bytes: every kernel may then use
# word loads on it (Cortex-M faults on unaligned multi-word loads).
VIEW_ALIGNMENT = 4


class PlanError(ToolchainError):
    """A memory plan that lets two live buffers overlap (a bug, caught by check_plan)."""


@dataclass(frozen=True)
class Allocation:
    """One region of the arena: a group of tensors sharing bytes, or one operator's scratch."""

    tensors: tuple[int, ...]
    scratch_op: int | None
    size: int
    first_op: int
    last_op: int
    offset: int
    inner_offsets: tuple[int, ...] = ()  # per tensor: its bytes start this far into the region

    def lives_with(self, other: "Allocation") -> bool:
        return self.first_op <= other.last_op and other.first_op <= self.last_op

    def overlaps(self, other: "Allocation") -> bool:
        return self.offset < other.offset + other.size and other.offset < self.offset + self.size


@dataclass
class MemoryPlan:
    offsets: dict[int, int]  # tensor index -> arena offset
    scratch_offsets: dict[int, int]  # operator index -> arena offset of its scratch buffer
    arena_bytes: int
    allocations: list[Allocation] = field(default_factory=list)
    alignment: int = DEFAULT_ALIGNMENT

    def aliased(self, tensor_index: int) -> tuple[int, ...]:
        for a in self.allocations:
            if tensor_index in a.tensors:
                return a.tensors
        return (tensor_index,)


def _align(n: int, alignment: int) -> int:
    return (n + alignment - 1) // alignment * alignment


def alias_groups(graph: Graph) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Activation tensors grouped by shared storage, each with its byte offset inside the group:
    shape-only operators join output and input at offset 0, contiguous views at their offset."""
    home = {t.index: (t.index, 0) for t in graph.activation_tensors()}  # tensor -> (group root, offset)
    roots = set()  # tensors other tensors already live in
    for op in graph.operators:
        offsets = shared_byte_offsets(graph, op)
        source = data_input(op) if offsets is not None else -1
        if source not in home or graph.tensors[source].is_variable:
            continue
        root, base = home[source]
        for out, offset in zip(op.outputs, offsets):
            if home.get(out) == (out, 0) and out not in roots and (base + offset) % VIEW_ALIGNMENT == 0:
                home[out] = (root, base + offset)
                roots.add(root)
    groups: dict[int, list[tuple[int, int]]] = {}
    for t, (root, offset) in home.items():
        groups.setdefault(root, []).append((t, offset))
    result = []
    for members in sorted(groups.values(), key=lambda m: min(m)):
        members.sort()
        result.append((tuple(t for t, _ in members), tuple(o for _, o in members)))
    return result


def tensor_lifetimes(graph: Graph) -> dict[int, tuple[int, int]]:
    """First and last operator index during which each activation tensor must hold its value."""
    last_op = max(len(graph.operators) - 1, 0)
    first: dict[int, int] = {i: 0 for i in graph.inputs}
    last: dict[int, int] = {i: 0 for i in graph.inputs}
    for op in graph.operators:
        for i in op.outputs:
            first.setdefault(i, op.index)
            last[i] = max(last.get(i, op.index), op.index)
        for i in op.inputs:
            if i >= 0:
                first.setdefault(i, 0)  # read before written: a variable or graph input
                last[i] = max(last.get(i, op.index), op.index)
    for i in graph.outputs:
        first.setdefault(i, 0)
        last[i] = last_op
    for t in graph.activation_tensors():
        if t.is_variable:  # state kept from one run to the next (SVDF): never shared
            first[t.index], last[t.index] = 0, last_op
    return {t.index: (first[t.index], last[t.index]) for t in graph.activation_tensors()}


def _requests(graph: Graph, scratch_bytes: dict[int, int]) -> list[tuple]:
    """(tensors, scratch operator, size, first op, last op, inner offsets) per region to place."""
    lifetimes = tensor_lifetimes(graph)
    requests = []
    for group, inner in alias_groups(graph):
        size = max(graph.tensors[i].nbytes + o for i, o in zip(group, inner))
        first = min(lifetimes[i][0] for i in group)
        last = max(lifetimes[i][1] for i in group)
        requests.append((group, None, size, first, last, inner))
    for op_index, size in sorted(scratch_bytes.items()):
        if size > 0:
            requests.append(((), op_index, size, op_index, op_index, ()))
    return requests


def plan_memory(graph: Graph, scratch_bytes: dict[int, int] | None = None,
                alignment: int = DEFAULT_ALIGNMENT) -> MemoryPlan:
    """Place every activation tensor (and per-operator scratch) in one arena."""
    requests = _requests(graph, scratch_bytes or {})
    # Largest first; ties by earliest start, then by tensor index, so the plan is deterministic.
    order = sorted(requests, key=lambda r: (-r[2], r[3], r[0] or (10**9,), r[1] or -1))
    placed: list[Allocation] = []
    for tensors, scratch_op, size, first, last, inner in order:
        candidate = Allocation(tensors, scratch_op, size, first, last, 0, inner)
        offset = 0
        for other in sorted((p for p in placed if p.lives_with(candidate)), key=lambda p: p.offset):
            if offset + size <= other.offset:
                break
            offset = max(offset, _align(other.offset + other.size, alignment))
        placed.append(Allocation(tensors, scratch_op, size, first, last, offset, inner))
    offsets = {t: a.offset + o for a in placed for t, o in zip(a.tensors, a.inner_offsets)}
    scratch = {a.scratch_op: a.offset for a in placed if a.scratch_op is not None}
    arena = _align(max((a.offset + a.size for a in placed), default=0), alignment)
    placed.sort(key=lambda a: (a.offset, a.first_op))
    return MemoryPlan(offsets=offsets, scratch_offsets=scratch, arena_bytes=arena,
                      allocations=placed, alignment=alignment)


def check_plan(graph: Graph, plan: MemoryPlan) -> None:
    """Prove the plan safe: recompute lifetimes from the graph and require that no two buffers alive
    at the same time share a byte, every tensor has a place, and everything fits the arena."""
    def region_offset(group: tuple[int, ...], op: int | None, inner: tuple[int, ...]) -> int:
        if op is not None:
            return plan.scratch_offsets.get(op, -1)
        return plan.offsets[group[0]] - inner[0] if group[0] in plan.offsets else -1

    recomputed = [
        Allocation(group, op, size, first, last, region_offset(group, op, inner), inner)
        for group, op, size, first, last, inner in _requests(graph, {a.scratch_op: a.size for a in plan.allocations
                                                               if a.scratch_op is not None})
    ]
    for a in recomputed:
        what = f"tensors {list(a.tensors)}" if a.scratch_op is None else f"scratch of operator {a.scratch_op}"
        if a.offset < 0:
            raise PlanError(f"{what} has no arena offset")
        if any(plan.offsets.get(t) != a.offset + o for t, o in zip(a.tensors, a.inner_offsets)):
            raise PlanError(f"{what} share storage but were given different offsets")
        if a.offset % plan.alignment:
            raise PlanError(f"{what} at offset {a.offset} is not {plan.alignment}-byte aligned")
        if a.offset + a.size > plan.arena_bytes:
            raise PlanError(f"{what} end at {a.offset + a.size}, past the {plan.arena_bytes}-byte arena")
    for i, a in enumerate(recomputed):
        for b in recomputed[i + 1:]:
            if a.lives_with(b) and a.overlaps(b):
                raise PlanError(
                    f"live buffers overlap: {list(a.tensors) or ['scratch', a.scratch_op]} "
                    f"[{a.offset}, {a.offset + a.size}) ops {a.first_op}-{a.last_op} and "
                    f"{list(b.tensors) or ['scratch', b.scratch_op]} [{b.offset}, {b.offset + b.size}) "
                    f"ops {b.first_op}-{b.last_op}")
