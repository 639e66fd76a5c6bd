"""MAX_POOL_2D: int8, int16 and float32, SAME/VALID padding, strides, fused activation."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.params import (activation_range_float, activation_range_quantized, f32, fused_activation,
                                      scale_of, window, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def _window(graph: Graph, op: Operator) -> dict:
    inp = graph.tensors[op.inputs[0]]
    return window(graph, op, int(op.options["filter_height"]), int(op.options["filter_width"]), inp.shape[-1])


def build_quantized(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    # Raw input values are compared and never rescaled, so TFLM demands one quantization.
    if abs(float(f32(scale_of(inp))) - float(f32(scale_of(out)))) > 1e-6 or zero_point_of(inp) != zero_point_of(out):
        raise UnsupportedError(f"operator {op.index} MAX_POOL_2D: input and output quantization differ "
                               f"(TFLM rejects this too)")
    act_min, act_max = activation_range_quantized(fused_activation(op), out)
    return KernelCall(params={"win": _window(graph, op), "act_min": act_min, "act_max": act_max},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    act_min, act_max = activation_range_float(fused_activation(op))
    return KernelCall(params={"win": _window(graph, op), "act_min": Float32(act_min), "act_max": Float32(act_max)},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="MAX_POOL_2D", types=("int8->int8",), function="tl_max_pool_2d_int8",
           c_file="kernels/max_pool_2d_int8.c", header="kernels/max_pool_2d.h", build=build_quantized, runtime=()),
    Kernel(op="MAX_POOL_2D", types=("int16->int16",), function="tl_max_pool_2d_int16",
           c_file="kernels/max_pool_2d_int16.c", header="kernels/max_pool_2d.h", build=build_quantized, runtime=()),
    Kernel(op="MAX_POOL_2D", types=("float32->float32",), function="tl_max_pool_2d_f32",
           c_file="kernels/max_pool_2d_f32.c", header="kernels/max_pool_2d.h", build=build_f32, runtime=()),
]
