"""LEAKY_RELU: int8 (a table) and int16 (two fixed-point rescales, multipliers from float32
arithmetic as TFLM); float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import multiply_by_quantized_multiplier
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.model.graph import Graph, Operator


def _multipliers(graph: Graph, op: Operator) -> tuple[tuple[int, int], tuple[int, int]]:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    alpha = f32(op.options.get("alpha", 0.2))
    in_scale, out_scale = f32(scale_of(inp)), f32(scale_of(out))
    # TFLM forms both ratios in float32 before widening them to double.
    return quantize_multiplier(float(in_scale / out_scale)), quantize_multiplier(float(in_scale * alpha / out_scale))


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    identity, negative = _multipliers(graph, op)
    in_zp, out_zp = zero_point_of(inp), zero_point_of(out)

    def value(q: int) -> int:
        x = q - in_zp
        return out_zp + multiply_by_quantized_multiplier(x, *(identity if x >= 0 else negative))

    return lookup_call(graph, op, value)


def build_int16(graph: Graph, op: Operator) -> KernelCall:
    identity, negative = _multipliers(graph, op)
    return KernelCall(
        params={"count": graph.tensors[op.inputs[0]].num_elements,
                "input_zero_point": zero_point_of(graph.tensors[op.inputs[0]]),
                "output_zero_point": zero_point_of(graph.tensors[op.outputs[0]]),
                "multiplier": identity[0], "shift": identity[1],
                "negative_multiplier": negative[0], "negative_shift": negative[1],
                "act_min": -32768, "act_max": 32767},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements,
                              "alpha": Float32(op.options.get("alpha", 0.2))},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    lookup_row("LEAKY_RELU", build_int8),
    Kernel(op="LEAKY_RELU", types=("int16->int16",), function="tl_rescale_int16", c_file="kernels/rescale_int16.c",
           header="kernels/rescale.h", build=build_int16),
    Kernel(op="LEAKY_RELU", types=("float32->float32",), function="tl_leaky_relu_f32",
           c_file="kernels/leaky_relu_f32.c", header="kernels/activations.h", build=build_f32, runtime=()),
]
