"""ELU: int8 as TFLM's 256-entry table (built in single precision with the C library's expf, as
TFLM's Prepare builds it) and float32 (expm1f)."""
from __future__ import annotations

import numpy as np

from toolchain.codegen.kernel_table import KernelCall
from toolchain.codegen.ops._libm import expf, roundf
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.ops.elementwise import float_row
from toolchain.codegen.params import f32, scale_of, zero_point_of
from toolchain.model.graph import Graph, Operator


def float_table_value(graph: Graph, op: Operator, transform):
    """TFLM's float lookup-table recipe: dequantize in float32, transform, multiply by the
    float32 inverse output scale, round half away, add the zero point."""
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    in_scale, in_zp = f32(scale_of(inp)), zero_point_of(inp)
    inverse_scale = np.float32(1) / f32(scale_of(out))
    out_zp = zero_point_of(out)

    def value(q: int) -> int:
        dequantized = in_scale * np.float32(q - in_zp)
        return int(roundf(transform(dequantized) * inverse_scale)) + out_zp

    return value


def _elu(x: np.float32) -> np.float32:
    return expf(x) - np.float32(1) if x < 0 else x


def build_int8(graph: Graph, op: Operator) -> KernelCall:
    return lookup_call(graph, op, float_table_value(graph, op, _elu))


KERNELS = [lookup_row("ELU", build_int8), float_row("ELU")]
