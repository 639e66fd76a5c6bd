"""LOG_SOFTMAX over the innermost dimension: int8 (output scale 16/256 and zero point 127, as TFLM
requires; TFLM's fixed-point log-sum-exp) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops.softmax import int8_input_params
from toolchain.codegen.params import f32, quantize_multiplier_smaller_than_one, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

OUTPUT_SCALE = 16.0 / 256
OUTPUT_ZERO_POINT = 127


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    out = graph.tensors[op.outputs[0]]
    if f32(scale_of(out)) != f32(OUTPUT_SCALE) or zero_point_of(out) != OUTPUT_ZERO_POINT:
        raise UnsupportedError(f"operator {op.index} LOG_SOFTMAX: int8 output must have scale 16/256 and zero point "
                               f"127 (TFLM requires it), not {scale_of(out)} and {zero_point_of(out)}")
    params = int8_input_params(graph, op)  # SOFTMAX's Prepare with beta 1
    reverse = (1 << (31 - params["input_left_shift"])) / float(params["input_multiplier"])
    reverse_multiplier, reverse_shift = quantize_multiplier_smaller_than_one(reverse)
    params.update(reverse_multiplier=reverse_multiplier, reverse_shift=reverse_shift)
    return KernelCall(params={k: params[k] for k in ("rows", "depth", "input_multiplier", "input_left_shift",
                                                     "reverse_multiplier", "reverse_shift", "diff_min")},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    inp = graph.tensors[op.inputs[0]]
    if not inp.shape:
        raise UnsupportedError(f"operator {op.index} LOG_SOFTMAX: scalar input")
    return KernelCall(params={"rows": inp.num_elements // inp.shape[-1], "depth": inp.shape[-1]},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="LOG_SOFTMAX", types=("int8->int8",), function="tl_log_softmax_int8",
           c_file="kernels/log_softmax_int8.c", header="kernels/log_softmax.h", build=build_int8),
    Kernel(op="LOG_SOFTMAX", types=("float32->float32",), function="tl_log_softmax_f32",
           c_file="kernels/log_softmax_f32.c", header="kernels/log_softmax.h", build=build_f32, runtime=()),
]
