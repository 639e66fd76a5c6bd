"""RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (NHWC, constant output size, align_corners,
half_pixel_centers). Source rows/columns and weights are computed here per output row and column
exactly as TFLM computes them per pixel: float32 scales (nearest, float bilinear) and TFLM's
10-bit fixed point (int8 bilinear; values are interpolated raw, never rescaled)."""
from __future__ import annotations

import math

import numpy as np

from toolchain.codegen.kernel_table import ConstArray, Kernel, KernelCall
from toolchain.codegen.ops._common import constant_input
from toolchain.codegen.ops.tile import LITERT_REFERENCE
from toolchain.codegen.params import round_half_away
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

f32 = np.float32


def _geometry(graph: Graph, op: Operator) -> tuple[tuple[int, ...], int, int, bool, bool]:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    size = [int(v) for v in constant_input(graph, op, 1, "size").data.reshape(-1)]
    if len(inp.shape) != 4 or len(size) != 2 or min(size) < 1:
        raise UnsupportedError(f"operator {op.index} {op.op}: needs a 4-D NHWC input and a 2-value size, got "
                               f"{inp.describe()} and {size}")
    if tuple(out.shape) != (inp.shape[0], size[0], size[1], inp.shape[3]):
        raise UnsupportedError(f"operator {op.index} {op.op}: output {out.describe()} is not the resized shape")
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    if align and half:
        raise UnsupportedError(f"operator {op.index} {op.op}: align_corners and half_pixel_centers together "
                               f"(TFLM rejects this too)")
    return inp.shape, size[0], size[1], align, half


def _float_scale(in_size: int, out_size: int, align: bool) -> np.float32:
    if align and out_size > 1:
        return f32(in_size - 1) / f32(out_size - 1)
    return f32(in_size) / f32(out_size)


def nearest_sources(in_size: int, out_size: int, align: bool, half: bool) -> list[int]:
    scale = _float_scale(in_size, out_size, align)
    offset = f32(0.5) if half else f32(0.0)
    sources = []
    for i in range(out_size):
        v = float((f32(i) + offset) * scale)
        s = min(round_half_away(v) if align else math.floor(v), in_size - 1)
        sources.append(max(0, s) if half else s)
    return sources


def build_nearest(graph: Graph, op: Operator) -> KernelCall:
    (b, in_h, in_w, c), out_h, out_w, align, half = _geometry(graph, op)
    inp = graph.tensors[op.inputs[0]]
    element = inp.nbytes // max(inp.num_elements, 1)
    return KernelCall(params={
        "batches": b, "in_h": in_h, "in_w": in_w, "out_h": out_h, "out_w": out_w, "pixel_bytes": c * element,
        "rows": ConstArray("rows", "int32", np.asarray(nearest_sources(in_h, out_h, align, half), np.int32)),
        "cols": ConstArray("cols", "int32", np.asarray(nearest_sources(in_w, out_w, align, half), np.int32))},
        inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def _float_taps(in_size: int, out_size: int, align: bool, half: bool):
    scale = _float_scale(in_size, out_size, align)
    lo, hi, frac, rest = [], [], [], []
    for i in range(out_size):
        scaled = (f32(i) + f32(0.5)) * scale - f32(0.5) if half else f32(i) * scale
        lower = max(int(math.floor(scaled)), 0)
        lo.append(lower)
        hi.append(min(int(math.ceil(scaled)), in_size - 1))
        fraction = f32(scaled - f32(lower))
        frac.append(fraction)
        rest.append(f32(f32(1.0) - fraction))
    return lo, hi, frac, rest


def _c_div(a: int, b: int) -> int:
    """C's truncating integer division."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _fixed_taps(in_size: int, out_size: int, align: bool, half: bool):
    if align and out_size > 1:
        scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    else:
        scale = ((1 << 10) * in_size + out_size // 2) // out_size
    lo, hi, frac = [], [], []
    for i in range(out_size):
        scaled = i * scale + scale // 2 - (1 << 9) if half else i * scale
        lower = max(_c_div(scaled, 1 << 10), 0)
        lo.append(lower)
        hi.append(min(_c_div(scaled + (1 << 10) - 1, 1 << 10), in_size - 1))
        frac.append(scaled - (1 << 10) * lower)
    return lo, hi, frac


def build_bilinear(graph: Graph, op: Operator) -> KernelCall:
    (b, in_h, in_w, c), out_h, out_w, align, half = _geometry(graph, op)
    params = {"batches": b, "in_h": in_h, "in_w": in_w, "out_h": out_h, "out_w": out_w, "channels": c}
    if graph.tensors[op.inputs[0]].dtype == "float32":
        for axis, (n_in, n_out) in (("row", (in_h, out_h)), ("col", (in_w, out_w))):
            lo, hi, frac, rest = _float_taps(n_in, n_out, align, half)
            params.update({f"{axis}_lo": ConstArray(f"{axis}_lo", "int32", np.asarray(lo, np.int32)),
                           f"{axis}_hi": ConstArray(f"{axis}_hi", "int32", np.asarray(hi, np.int32)),
                           f"{axis}_frac": ConstArray(f"{axis}_frac", "float32", np.asarray(frac, np.float32)),
                           f"{axis}_rest": ConstArray(f"{axis}_rest", "float32", np.asarray(rest, np.float32))})
        order = ("batches", "in_h", "in_w", "out_h", "out_w", "channels", "row_lo", "row_hi", "col_lo", "col_hi",
                 "row_frac", "row_rest", "col_frac", "col_rest")
    else:
        for axis, (n_in, n_out) in (("row", (in_h, out_h)), ("col", (in_w, out_w))):
            lo, hi, frac = _fixed_taps(n_in, n_out, align, half)
            params.update({f"{axis}_lo": ConstArray(f"{axis}_lo", "int32", np.asarray(lo, np.int32)),
                           f"{axis}_hi": ConstArray(f"{axis}_hi", "int32", np.asarray(hi, np.int32)),
                           f"{axis}_frac": ConstArray(f"{axis}_frac", "int32", np.asarray(frac, np.int32))})
        order = ("batches", "in_h", "in_w", "out_h", "out_w", "channels", "row_lo", "row_hi", "col_lo", "col_hi",
                 "row_frac", "col_frac")
    return KernelCall(params={k: params[k] for k in order}, inputs=(op.inputs[0],), outputs=(op.outputs[0],))


KERNELS = [
    Kernel(op="RESIZE_NEAREST_NEIGHBOR", types=tuple(f"{t},int32->{t}" for t in ("int8", "int16", "float32")),
           function="tl_resize_nearest", c_file="kernels/resize_nearest.c", header="kernels/resize.h",
           build=build_nearest, runtime=()),
    Kernel(op="RESIZE_BILINEAR", types=("float32,int32->float32",), function="tl_resize_bilinear_f32",
           c_file="kernels/resize_bilinear_f32.c", header="kernels/resize.h", build=build_bilinear, runtime=()),
    Kernel(op="RESIZE_BILINEAR", types=("int8,int32->int8",), function="tl_resize_bilinear_int8",
           c_file="kernels/resize_bilinear_int8.c", header="kernels/resize.h", build=build_bilinear, runtime=()),
    # TFLM's RESIZE_BILINEAR takes float32 and int8 only; LiteRT's reference runs int16 (16x8 U-Nets)
    Kernel(op="RESIZE_BILINEAR", types=("int16,int32->int16",), function="tl_resize_bilinear_int16",
           c_file="kernels/resize_bilinear_int16.c", header="kernels/resize.h", build=build_bilinear, runtime=(),
           reference=LITERT_REFERENCE),
]
