"""REDUCE_MAX and REDUCE_MIN (int8 with one shared quantization, as TFLM requires; float32) and SUM
(int8 and int16: MEAN's integer kernel with the undivided scale ratio, as TFLM's shared routine;
float32) over any axes, keep_dims or not, rank <= 6. The shape is MEAN's."""
from __future__ import annotations


from toolchain.codegen.kernel_table import Kernel, KernelCall
from toolchain.codegen.ops.mean import reduction_shape
from toolchain.codegen.ops.tile import LITERT_REFERENCE
from toolchain.codegen.params import f32, quantize_multiplier, scale_of, zero_point_of
from toolchain.errors import UnsupportedError
from toolchain.model.graph import Graph, Operator

REDUCE_RUNTIME = ("kernels/mean.h",)


def build_max_min(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if inp.dtype in ("int8", "int16") and (f32(scale_of(inp)) != f32(scale_of(out))
                                           or zero_point_of(inp) != zero_point_of(out)):
        raise UnsupportedError(f"operator {op.index} {op.op}: {inp.dtype} input and output quantization differ "
                               f"(TFLM requires them equal)")
    return KernelCall(params={"shape": reduction_shape(graph, op), "take_max": int(op.op == "REDUCE_MAX")},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def build_sum_quantized(graph: Graph, op: Operator) -> KernelCall:
    inp, out = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    shape = reduction_shape(graph, op)
    multiplier, shift = quantize_multiplier(float(f32(scale_of(inp))) / float(f32(scale_of(out))))
    return KernelCall(params={"shape": shape, "input_zero_point": zero_point_of(inp),
                              "output_zero_point": zero_point_of(out), "multiplier": multiplier, "shift": shift},
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],), scratch_bytes=4 * shape["num_outputs"])


def build_sum_f32(graph: Graph, op: Operator) -> KernelCall:
    return KernelCall(params={"shape": reduction_shape(graph, op)}, inputs=(op.inputs[0],), outputs=(op.outputs[0],))


def _row(op: str, dtype: str, suffix: str, function: str, build, runtime=REDUCE_RUNTIME,
         reference: str = "TFLM") -> Kernel:
    return Kernel(op=op, types=(f"{dtype},int32->{dtype}",), function=f"tl_{function}_{suffix}",
                  c_file=f"kernels/{function}_{suffix}.c", header="kernels/reduce.h", build=build, runtime=runtime,
                  reference=reference)


KERNELS = [
    *(_row(op, dtype, suffix, "reduce_max_min", build_max_min)
      for op in ("REDUCE_MAX", "REDUCE_MIN") for dtype, suffix in (("int8", "int8"), ("float32", "f32"))),
    # TFLM's REDUCE_MAX/MIN take float32 and int8 only; LiteRT's reference runs int16 (16x8 models)
    *(_row(op, "int16", "int16", "reduce_max_min", build_max_min, reference=LITERT_REFERENCE)
      for op in ("REDUCE_MAX", "REDUCE_MIN")),
    *(Kernel(op="SUM", types=(f"{dtype},int32->{dtype}",), function=f"tl_mean_{dtype}",
             c_file=f"kernels/mean_{dtype}.c", header="kernels/mean.h", build=build_sum_quantized)
      for dtype in ("int8", "int16")),
    _row("SUM", "float32", "f32", "sum", build_sum_f32),
]
