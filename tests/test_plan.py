"""Memory planner: arena no larger than TFLM's, and a checker that catches overlapping live tensors."""
import dataclasses

import pytest

from toolchain.model.graph import Graph, Operator, Tensor
from toolchain.model.reader import read_model
from toolchain.plan import PlanError, check_plan, plan_memory, tensor_lifetimes
from toolchain.reference import tflm_arena

from conftest import SHARED_MODELS


@pytest.mark.parametrize("model", SHARED_MODELS, ids=lambda p: p.stem)
def test_arena_no_larger_than_tflm(model):
    graph = read_model(model)
    plan = plan_memory(graph)
    check_plan(graph, plan)
    total, head = tflm_arena(model)
    assert plan.arena_bytes <= head <= total


def test_kws_arena_exact(kws_model):
    # Two 25x5x64 int8 maps (8,000 B each) are alive together across the body of the network.
    assert plan_memory(read_model(kws_model)).arena_bytes == 16_000


def _chain(sizes: list[int]) -> Graph:
    """t0 -op0-> t1 -op1-> t2 ... with int8 tensors of the given sizes."""
    tensors = [Tensor(i, f"t{i}", (n,), "int8") for i, n in enumerate(sizes)]
    ops = [Operator(i, "RELU", (i,), (i + 1,)) for i in range(len(sizes) - 1)]
    return Graph(tensors, ops, inputs=(0,), outputs=(len(sizes) - 1,))


def test_chain_reuses_dead_buffers():
    graph = _chain([100, 200, 50, 300])
    assert tensor_lifetimes(graph) == {0: (0, 0), 1: (0, 1), 2: (1, 2), 3: (2, 2)}
    plan = plan_memory(graph)
    check_plan(graph, plan)
    # 300 at 0; 200 at 0 would collide with nothing alive... but t1 and t3 never live together,
    # so both sit at offset 0; t0 (with t1) and t2 (with t1, t3) go above, aligned to 16.
    assert plan.offsets == {3: 0, 1: 0, 0: 208, 2: 304}
    assert plan.arena_bytes == 368


def test_reshape_shares_its_input():
    tensors = [Tensor(0, "x", (1, 4, 4), "int8"), Tensor(1, "y", (1, 16), "int8"),
               Tensor(2, "z", (1, 16), "int8")]
    graph = Graph(tensors, [Operator(0, "RESHAPE", (0,), (1,)), Operator(1, "RELU", (1,), (2,))],
                  inputs=(0,), outputs=(2,))
    plan = plan_memory(graph)
    check_plan(graph, plan)
    assert plan.offsets[0] == plan.offsets[1] != plan.offsets[2]
    assert plan.arena_bytes == 32


def test_scratch_buffers_live_only_in_their_operator():
    graph = _chain([64, 64, 64])
    plan = plan_memory(graph, scratch_bytes={1: 100})
    check_plan(graph, plan)
    assert plan.scratch_offsets[1] not in (plan.offsets[1], plan.offsets[2])


def test_checker_rejects_overlap(resnet_model):
    graph = read_model(resnet_model)
    plan = plan_memory(graph)
    check_plan(graph, plan)
    # Move the residual input of the first ADD onto the other operand: both are alive at op 3.
    a, b = graph.operators[3].inputs
    broken = dataclasses.replace(plan, offsets={**plan.offsets, b: plan.offsets[a]})
    with pytest.raises(PlanError, match="overlap"):
        check_plan(graph, broken)


def test_checker_rejects_missing_and_out_of_arena(kws_model):
    graph = read_model(kws_model)
    plan = plan_memory(graph)
    missing = dict(plan.offsets)
    missing.pop(graph.outputs[0])
    with pytest.raises(PlanError, match="no arena offset"):
        check_plan(graph, dataclasses.replace(plan, offsets=missing))
    with pytest.raises(PlanError, match="past the"):
        check_plan(graph, dataclasses.replace(plan, arena_bytes=plan.arena_bytes - 16))
