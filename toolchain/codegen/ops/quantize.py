"""QUANTIZE (float32 -> int8/int16, requantization between int8/int16) and DEQUANTIZE (int8, int16, uint8 -> float32)."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Float32, Kernel, KernelCall
from toolchain.codegen.ops._fixed_point import multiply_by_quantized_multiplier
from toolchain.codegen.ops._lookup import lookup_call, lookup_row
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator, Tensor


def _per_tensor(op: Operator, t: Tensor) -> None:
    if t.quant is None or t.quant.per_channel:
        raise UnsupportedError(f"operator {op.index} {op.op}: tensor {t.index} needs per-tensor quantization")


def build_from_float(graph: Graph, op: Operator) -> KernelCall:
    out = graph.tensors[op.outputs[0]]
    _per_tensor(op, out)
    return KernelCall(params={"count": out.num_elements, "scale": Float32(scale_of(out)),
                              "zero_point": zero_point_of(out)},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_requantize(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    _per_tensor(op, inp)
    _per_tensor(op, out)
    # TFLM divides the float32 scales in double precision.
    multiplier, shift = quantize_multiplier(float(f32(scale_of(inp))) / float(f32(scale_of(out))))
    return KernelCall(params={"count": out.num_elements, "input_zero_point": zero_point_of(inp),
                              "output_zero_point": zero_point_of(out), "multiplier": multiplier, "shift": shift},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_requantize_int8(graph: Graph, op: Operator) -> KernelCall:
    """int8 -> int8 as a table (the same arithmetic as build_requantize, per input value)."""
    call = build_requantize(graph, op)
    p = call.params
    return lookup_call(graph, op, lambda q: multiply_by_quantized_multiplier(
        q - p["input_zero_point"], p["multiplier"], p["shift"]) + p["output_zero_point"])


def build_dequantize(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    _per_tensor(op, inp)
    return KernelCall(params={"count": out.num_elements, "scale": Float32(scale_of(inp)),
                              "zero_point": zero_point_of(inp)},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def _row(op: str, source: str, target: str, stem: str, build) -> Kernel:
    function = f"tl_{stem}_{source.replace('float32', 'f32')}_{target.replace('float32', 'f32')}"
    return Kernel(op=op, types=(f"{source}->{target}",), function=function,
                  c_file=f"kernels/{function[3:]}.c", header="kernels/quantize.h", build=build,
                  runtime=("tl_quant.h",))


KERNELS = [
    _row("QUANTIZE", "float32", "int8", "quantize", build_from_float),
    _row("QUANTIZE", "float32", "int16", "quantize", build_from_float),
    lookup_row("QUANTIZE", build_requantize_int8),
    _row("QUANTIZE", "int8", "int16", "requantize", build_requantize),
    _row("QUANTIZE", "int16", "int8", "requantize", build_requantize),
    _row("QUANTIZE", "int16", "int16", "requantize", build_requantize),
    _row("DEQUANTIZE", "int8", "float32", "dequantize", build_dequantize),
    _row("DEQUANTIZE", "int16", "float32", "dequantize", build_dequantize),
    _row("DEQUANTIZE", "uint8", "float32", "dequantize", build_dequantize),
]
