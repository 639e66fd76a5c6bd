"""TANH: int8 (TFLM's Q4.27 fixed-point path; output scale 1/128, zero point 0) and float32."""
from __future__ import annotations

from toolchain.codegen.kernel_table import Kernel
from toolchain.codegen.ops.logistic import build_f32, build_int8

KERNELS = [
    Kernel(op="TANH", types=("int8->int8",), function="tl_tanh_int8", c_file="kernels/tanh_int8.c",
           header="kernels/activations.h", build=build_int8),
    Kernel(op="TANH", types=("float32->float32",), function="tl_tanh_f32", c_file="kernels/tanh_f32.c",
           header="kernels/activations.h", build=build_f32, runtime=()),
]
