"""DIV: int8 (TFLM's fixed-point quotient; the scale ratio input1 / (input2 * output) formed in
float32 as TFLM does) and float32, numpy broadcasting and fused activations."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops.add import build_f32
from toolchain.codegen.ops.maximum_minimum import BROADCAST_RUNTIME
from toolchain.codegen.params import (activation_range_quantized, broadcast, f32, fused_activation,
                                      quantize_multiplier, scale_of, zero_point_of)
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

# An int8 dividend has at least 22 bits of headroom: a larger output exponent would make TFLM's
# final shift a left shift of negative size (undefined).
MAX_OUTPUT_SHIFT = 22


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    a, b, out = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    multiplier, shift = quantize_multiplier(float(f32(scale_of(a)) / (f32(scale_of(b)) * f32(scale_of(out)))))
    if shift > MAX_OUTPUT_SHIFT:
        raise UnsupportedError(f"operator {op.index} DIV: scale ratio {scale_of(a)} / ({scale_of(b)} * "
                               f"{scale_of(out)}) is beyond TFLM's defined int8 arithmetic")
    act_min, act_max = activation_range_quantized(fused_activation(op), out)
    return KernelCall(params={"shape": broadcast(graph, op), "input1_offset": -zero_point_of(a),
                              "input2_offset": -zero_point_of(b), "output_offset": zero_point_of(out),
                              "output_multiplier": multiplier, "output_shift": shift,
                              "act_min": act_min, "act_max": act_max},
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="DIV", types=("int8,int8->int8",), function="tl_div_int8", c_file="kernels/div_int8.c",
           header="kernels/div.h", build=build_int8, runtime=("tl_quant.h", "tl_quant.c", *BROADCAST_RUNTIME)),
    Kernel(op="DIV", types=("float32,float32->float32",), function="tl_div_f32", c_file="kernels/div_f32.c",
           header="kernels/div.h", build=build_f32, runtime=BROADCAST_RUNTIME),
]
