"""RESHAPE / SQUEEZE / EXPAND_DIMS: no kernel. The planner aliases output to input, so nothing is
emitted; when it did not (e.g. a constant input), the generator copies the bytes."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def build(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if inp.nbytes != out.nbytes:
        raise UnsupportedError(f"operator {op.index} {op.op}: {inp.describe()} -> {out.describe()} changes size")
    return KernelCall(params={}, inputs=(op.inputs[0],), outputs=(op.outputs[0],), in_place_of_input=True)


# TFLM's EXPAND_DIMS kernel copies int8, int16 and float32 only
KERNELS = [
    Kernel(op=name, types=types, function="", c_file=None, header=None, build=build, runtime=())
    for name, types in (("RESHAPE", ("*",)), ("SQUEEZE", ("*",)),
                        ("EXPAND_DIMS", tuple(f"{t},*->{t}" for t in ("int8", "int16", "float32"))))
]
