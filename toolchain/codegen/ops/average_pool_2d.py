"""AVERAGE_POOL_2D: int8 and int16 (average raw values: the converter gives input and output one
quantization) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.ops import _mve
from toolchain.codegen.params import (activation_range_float, activation_range_quantized, f32, fused_activation,
                                      scale_of, window, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def _window(graph: Graph, op: Operator) -> dict:
    inp = graph.tensors[op.inputs[0]]
    o = op.options
    k_h, k_w = int(o.get("filter_height", 1)), int(o.get("filter_width", 1))
    if len(inp.shape) != 4:
        raise UnsupportedError(f"operator {op.index} {op.op}: needs a 4-D NHWC input, got {inp.describe()}")
    return window(graph, op, k_h, k_w, inp.shape[3])


def _require_one_quantization(graph: Graph, op: Operator) -> None:
    """Raw values are averaged and never rescaled, so TFLM demands one quantization."""
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if abs(float(f32(scale_of(inp))) - float(f32(scale_of(out)))) > 1e-6 or zero_point_of(inp) != zero_point_of(out):
        raise UnsupportedError(f"operator {op.index} AVERAGE_POOL_2D: input and output quantization differ "
                               f"(TFLM rejects this too)")


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    _require_one_quantization(graph, op)
    out = graph.tensors[op.outputs[0]]
    win = _window(graph, op)
    act_min, act_max = activation_range_quantized(fused_activation(op), out)
    return KernelCall(params={"win": win, "act_min": act_min, "act_max": act_max},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],), scratch_bytes=4 * win["in_c"])


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(params={"win": _window(graph, op), "act_min": Float32(act_min), "act_max": Float32(act_max)},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_int8_mve(graph: Graph, op: Operator) -> KernelCall:
    """Cortex-M55: the portable parameters; sums stay in vector registers (no scratch)."""
    portable = build_int8(graph, op)
    return KernelCall(params=portable.params, inputs=portable.inputs, outputs=portable.outputs)


def _channels_in_blocks_of_4(graph: Graph, op: Operator) -> bool:
    return graph.tensors[op.inputs[0]].shape[-1] % _mve.LANES == 0


KERNELS = [
    Kernel(op="AVERAGE_POOL_2D", types=("int8->int8",), function="tl_average_pool_2d_int8",
           c_file="kernels/average_pool_2d_int8.c", header="kernels/average_pool_2d.h", build=build_int8),
    Kernel(op="AVERAGE_POOL_2D", types=("int16->int16",), function="tl_average_pool_2d_int16",
           c_file="kernels/average_pool_2d_int16.c", header="kernels/average_pool_2d.h",
           build=build_int8),  # same parameters and rules; only the C kernel differs
    Kernel(op="AVERAGE_POOL_2D", types=("float32->float32",), function="tl_average_pool_2d_f32",
           c_file="kernels/average_pool_2d_f32.c", header="kernels/average_pool_2d.h", build=build_f32,
           runtime=()),
    Kernel(op="AVERAGE_POOL_2D", types=("int8->int8",), function="tl_average_pool_2d_int8_mve",
           c_file="kernels/cortex-m55/average_pool_2d_int8_mve.c", header="kernels/cortex-m55/average_pool_2d_mve.h",
           build=build_int8_mve, cpu=_mve.CPU, runtime=(*_mve.RUNTIME, "kernels/average_pool_2d.h"),
           accepts=_channels_in_blocks_of_4),
]
