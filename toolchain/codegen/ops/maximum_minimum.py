"""MAXIMUM and MINIMUM: int8, int16, int32 and float32 with numpy broadcasting. TFLM compares the
stored values as they are (no requantization, whatever the quantization says), so one kernel per
type serves both operators."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.params import broadcast
from toolchain.model.graph import Graph, Operator

BROADCAST_RUNTIME = ("kernels/broadcast.h",)
_TYPES = (("int8", "int8"), ("int16", "int16"), ("int32", "int32"), ("float32", "f32"))


def build(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"shape": broadcast(graph, op), "take_max": int(op.op == "MAXIMUM")},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op=name, types=(f"{dtype},{dtype}->{dtype}",), function=f"tl_maximum_minimum_{suffix}",
           c_file=f"kernels/maximum_minimum_{suffix}.c", header="kernels/maximum_minimum.h", build=build,
           runtime=BROADCAST_RUNTIME)
    for name in ("MAXIMUM", "MINIMUM") for dtype, suffix in _TYPES
]
