"""HARD_SWISH: int8 (TFLM's int16 fixed point, multipliers from float32 scale ratios), as a table;
float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import doubling_high_mul16, saturate16, wrap16
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.params import f32, quantize_multiplier, rounding_divide_by_pot, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator


def int16_multiplier(real: float) -> tuple[int, int]:
    """A Q31 multiplier rounded to Q15 (saturating at the top), with its exponent."""
    q31, exponent = quantize_multiplier(real)
    rounding = 1 << 15
    return (32767 if q31 >= 2**31 - 1 - rounding else (q31 + rounding) >> 16), exponent


def rounding_divide_by_pot16(x: int, exponent: int) -> int:
    """gemmlowp's RoundingDivideByPOT on an int16, as TFLM's HARD_SWISH calls it: from exponent 16
    on its mask ((1 << exponent) - 1, truncated to int16) is -1, so the result is 1 for x >= 0 and
    -1 below (tiny input scales reach this, e.g. a random-weight MobileNetV3's head)."""
    if exponent <= 15:
        return rounding_divide_by_pot(x, exponent)
    return 1 if x >= 0 else -1


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    hires_input_scale = f32(1.0 / 128.0) * f32(scale_of(inp))  # float32 products, as TFLM
    out_multiplier, out_exponent = int16_multiplier(float(hires_input_scale / f32(scale_of(out))))
    reluish_multiplier, reluish_exponent = int16_multiplier(float(hires_input_scale / f32(3.0 / 32768.0)))
    if not -31 <= out_exponent <= 0 or not -31 <= reluish_exponent <= 15:
        raise UnsupportedError(f"operator {op.index} HARD_SWISH: input/output scales {scale_of(inp)}, "
                               f"{scale_of(out)} are outside the 16-bit fixed-point range")
    in_zp, out_zp = zero_point_of(inp), zero_point_of(out)

    def value(q: int) -> int:
        """The input at a 2^7 finer scale; one Q15 product to the unshifted output scale; a
        saturating "relu-ish" rescale of [-3, 3] onto the int16 range, then onto [0, 1]; their
        truncating high product shifted to the output scale."""
        x_hires = (q - in_zp) * 128
        x_output_scale = doubling_high_mul16(x_hires, out_multiplier, True)
        reluish = x_hires
        if reluish_exponent > 0:
            reluish = saturate16(reluish << (reluish_exponent - 1))
        reluish = doubling_high_mul16(reluish, reluish_multiplier, True)
        if reluish_exponent > 0:
            reluish = saturate16(reluish << 1)
        if reluish_exponent < 0:
            reluish = rounding_divide_by_pot16(reluish, -reluish_exponent)
        reluish = (reluish + (1 << 15)) >> 1
        shifted = rounding_divide_by_pot16(doubling_high_mul16(reluish, x_output_scale, False), -out_exponent)
        return wrap16(shifted + out_zp)

    return lookup_call(graph, op, value)


def build_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"count": graph.tensors[op.inputs[0]].num_elements},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    lookup_row("HARD_SWISH", build_int8),
    Kernel(op="HARD_SWISH", types=("float32->float32",), function="tl_hard_swish_f32",
           c_file="kernels/hard_swish_f32.c", header="kernels/hard_swish.h", build=build_f32, runtime=()),
]
