"""Split computing on the host: head.tflite then tail.tflite must equal the whole model bit for bit
in the TFLM interpreter, at every cut of kws_ref_model and ResNet-8 (whose residual connections
cross cuts as second tensors); cuts that cannot work are refused in one line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.opmodels import GraphBuilder
from toolchain.codegen.verify import random_inputs
from toolchain.model.graph import Quantization
from toolchain.model.reader import parse_model, read_model
from toolchain.model.writer import serialize_model
from toolchain.reference import reference_chains, reference_outputs
from toolchain.split import SplitError, cut_positions, find_cut, split_graph

TINYLARGE = Path(sys.executable).with_name("tinylarge")
SAMPLES = 8


@pytest.mark.parametrize("name", ["kws_ref_model", "pretrainedResnet_quant"])
def test_every_cut_head_then_tail_is_bit_exact(models_dir, name):
    path = models_dir / f"{name}.tflite"
    graph = read_model(path)
    inputs = random_inputs(graph, SAMPLES, seed=7)
    whole = reference_outputs(path, inputs)
    cuts = list(cut_positions(graph))
    assert cuts == list(range(len(graph.operators) - 1))
    splits = [split_graph(graph, after) for after in cuts]
    finals = reference_chains([[s.head_bytes(), s.tail_bytes()] for s in splits], inputs)
    for after, split, got in zip(cuts, splits, finals):
        assert len(got) == len(whole)
        for a, b in zip(got, whole):
            assert a.dtype == b.dtype and a.shape == b.shape
            assert np.array_equal(a, b), f"{name}: cut after operator {after} differs"
        # the written files read back with the crossing tensors' quantization untouched
        head, tail = parse_model(split.head_bytes()), parse_model(split.tail_bytes())
        assert len(head.operators) == after + 1 and len(tail.operators) == len(graph.operators) - after - 1
        crossing = [graph.tensors[i] for i in split.cut.tensors]
        for t, h, ti in zip(crossing, head.output_tensors, tail.input_tensors):
            assert (h.shape, h.dtype, h.quant) == (t.shape, t.dtype, t.quant) == (ti.shape, ti.dtype, ti.quant)
        assert [t.quant for t in head.input_tensors] == [t.quant for t in graph.input_tensors]
        assert [t.quant for t in tail.output_tensors] == [t.quant for t in graph.output_tensors]


def test_resnet_residuals_cross_as_second_tensors(resnet_model):
    graph = read_model(resnet_model)
    counts = [len(find_cut(graph, after).tensors) for after in cut_positions(graph)]
    # after a block's first conv (1, 5, 9) and after the strided convs (4, 8) the skip path crosses too;
    # 2, 6 and 10 leave the block's main path and the shortcut conv's output (or input) open
    assert counts == [1, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1, 1, 1, 1]
    cut = find_cut(graph, 1)
    assert cut.payload_bytes(graph) == 2 * 32 * 32 * 16
    split = split_graph(graph, 1)
    assert len(split.head.outputs) == 2 and len(split.tail.inputs) == 2
    # head outputs in the order the head computes them: the stem conv (op 0) first, then op 1
    assert [graph.tensors[i].name for i in cut.tensors] == [graph.tensors[graph.operators[0].outputs[0]].name,
                                                            graph.tensors[graph.operators[1].outputs[0]].name]


def _two_branch_model(output_early: bool):
    """x -> RELU -> a; a -> RELU -> b; ADD(x or a, b) -> y: the input (or an output) spans the cut."""
    q = Quantization(scale=(0.05,), zero_point=(-3,))
    g = GraphBuilder()
    x = g.tensor((1, 4), "int8", q, name="x")
    a = g.tensor((1, 4), "int8", q, name="a")
    b = g.tensor((1, 4), "int8", q, name="b")
    y = g.tensor((1, 4), "int8", q, name="y")
    g.op("RELU", [x], [a])
    g.op("RELU", [a], [b])
    g.op("ADD", [a if output_early else x, b], [y], {"fused_activation_function": "NONE"})
    return g.graph([x], [a, y] if output_early else [y], name="branchy")


def test_refused_cuts_say_why():
    with pytest.raises(SplitError, match=r"the model input tensor 0 is read after the cut \(by operator 2 ADD\)"):
        find_cut(_two_branch_model(output_early=False), 0)
    with pytest.raises(SplitError, match=r"model output tensor 1 is computed before the cut \(by operator 0\)"):
        find_cut(_two_branch_model(output_early=True), 0)
    graph = _two_branch_model(output_early=True)
    with pytest.raises(SplitError, match=r"model output tensor 1 is computed before the cut"):
        find_cut(graph, 1)
    with pytest.raises(SplitError, match=r"--at 2 is not a cut position; cuts go after operator 0..1"):
        find_cut(graph, 2)


def test_cli_writes_checks_and_refuses_in_one_line(kws_model, tmp_path):
    out = tmp_path / "cut9"
    done = subprocess.run([str(TINYLARGE), "split", str(kws_model), "--at", "9", "-o", str(out), "--json",
                           "--check-samples", "5"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["payload_bytes"] == 64 and report["check"] == {"samples": 5, "exact_samples": 5}
    assert report["cut_tensors"] == ["tensor 31 int8[1,1,1,64]"]
    head, tail = read_model(out / "head.tflite"), read_model(out / "tail.tflite")
    assert [op.op for op in tail.operators] == ["RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    assert head.description.startswith("tinylarge split: head of kws_ref_model (sha256 aeea436800704fce)")
    for args, message in [
        (["--at", "12", "-o", str(tmp_path / "x")], "error: kws_ref_model: --at 12 is not a cut position; cuts go "
                                                    "after operator 0..11 (numbered as in `tinylarge inspect`)"),
        (["--at", "3"], "error: give --at OP -o DIR (or --sweep)"),
    ]:
        bad = subprocess.run([str(TINYLARGE), "split", str(kws_model), *args], capture_output=True, text=True,
                             timeout=120)
        assert bad.returncode == 2 and bad.stderr.strip() == message
    missing = subprocess.run([str(TINYLARGE), "split", str(tmp_path / "nope.tflite"), "--at", "1", "-o",
                              str(tmp_path / "y")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and missing.stderr.strip().endswith("nope.tflite: no such file")
    assert serialize_model(read_model(out / "tail.tflite"))  # readable and writable again
