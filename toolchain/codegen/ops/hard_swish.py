"""HARD_SWISH: int8 (TFLM's int16 fixed point, multipliers from float32 scale ratios) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def int16_multiplier(real: float) -> tuple[int, int]:
    """A Q31 multiplier rounded to Q15 (saturating at the top), with its exponent."""
    q31, exponent = quantize_multiplier(real)
    rounding = 1 << 15
    return (32767 if q31 >= 2**31 - 1 - rounding else (q31 + rounding) >> 16), exponent


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    hires_input_scale = f32(1.0 / 128.0) * f32(scale_of(inp))  # float32 products, as TFLM
    output_multiplier, output_exponent = int16_multiplier(float(hires_input_scale / f32(scale_of(out))))
    reluish_multiplier, reluish_exponent = int16_multiplier(float(hires_input_scale / f32(3.0 / 32768.0)))
    if not -15 <= output_exponent <= 0 or not -15 <= reluish_exponent <= 15:
        raise UnsupportedError(f"operator {op.index} HARD_SWISH: input/output scales {scale_of(inp)}, "
                               f"{scale_of(out)} are outside the 16-bit fixed-point range")
    return KernelCall(
        params={"count": inp.num_elements, "input_zero_point": zero_point_of(inp),
                "output_zero_point": zero_point_of(out), "output_multiplier": output_multiplier,
                "output_exponent": output_exponent, "reluish_multiplier": reluish_multiplier,
                "reluish_exponent": reluish_exponent},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="HARD_SWISH", types=("int8->int8",), function="tl_hard_swish_int8",
           c_file="kernels/hard_swish_int8.c", header="kernels/hard_swish.h", build=build_int8),
    Kernel(op="HARD_SWISH", types=("float32->float32",), function="tl_hard_swish_f32",
           c_file="kernels/hard_swish_f32.c", header="kernels/hard_swish.h", build=build_f32, runtime=()),
]
