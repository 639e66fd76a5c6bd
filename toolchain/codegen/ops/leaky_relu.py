"""LEAKY_RELU: int8 (two fixed-point rescales, multipliers from float32 arithmetic as TFLM) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.model.graph import Graph, Operator


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    alpha = f32(op.options.get("alpha", 0.2))
    in_scale, out_scale = f32(scale_of(inp)), f32(scale_of(out))
    # TFLM forms both ratios in float32 before widening them to double.
    identity_multiplier, identity_shift = quantize_multiplier(float(in_scale / out_scale))
    alpha_multiplier, alpha_shift = quantize_multiplier(float(in_scale * alpha / out_scale))
    return KernelCall(
        params={"count": inp.num_elements, "input_zero_point": zero_point_of(inp),
                "output_zero_point": zero_point_of(out), "identity_multiplier": identity_multiplier,
                "identity_shift": identity_shift, "alpha_multiplier": alpha_multiplier, "alpha_shift": alpha_shift},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements,
                              "alpha": Float32(op.options.get("alpha", 0.2))},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="LEAKY_RELU", types=("int8->int8",), function="tl_leaky_relu_int8",
           c_file="kernels/leaky_relu_int8.c", header="kernels/activations.h", build=build_int8),
    Kernel(op="LEAKY_RELU", types=("float32->float32",), function="tl_leaky_relu_f32",
           c_file="kernels/leaky_relu_f32.c", header="kernels/activations.h", build=build_f32, runtime=()),
]
