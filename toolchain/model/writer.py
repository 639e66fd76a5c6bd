"""Write a Graph back into a .tflite flatbuffer, without TensorFlow.

The exact inverse of `reader.py`: reading a written file gives the same Graph. Tests use it to
build single-operator models from code; users can use it to save a Graph they changed. Like the
Graph, the file holds one subgraph and no metadata or signatures; every constant tensor gets its
own 16-byte aligned buffer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import flatbuffers
import numpy as np

from toolchain.errors import ModelError
from toolchain.model import schema
from toolchain.model.graph import Graph, Operator, Quantization, Tensor
from toolchain.model.reader import _ENUM_FIELDS, _snake

_SCHEMA_VERSION = 3
_BUFFER_ALIGNMENT = 16  # weights stay aligned for kernels that read them as int32/float
_ENUM_CODES = {key: {name: code for code, name in names.items()} for key, names in _ENUM_FIELDS.items()}
_OPERATOR_CODES = {k: v for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_OPTION_TYPES = {k: v for k, v in vars(schema.BuiltinOptions).items() if not k.startswith("_")}
# Operators whose options table is not named after the operator.
_SHARED_OPTIONS = {
    "AVERAGE_POOL_2D": "Pool2DOptions", "MAX_POOL_2D": "Pool2DOptions", "L2_POOL_2D": "Pool2DOptions",
    "MEAN": "ReducerOptions", "SUM": "ReducerOptions", "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions", "REDUCE_PROD": "ReducerOptions", "REDUCE_ANY": "ReducerOptions",
    "REDUCE_ALL": "ReducerOptions", "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions", "LSTM": "LSTMOptions",
}
_OPTIONS_BY_FOLDED_NAME = {name.lower(): name for name in _OPTION_TYPES}
# Beyond this code the deprecated int8 opcode field holds a placeholder.
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def write_model(graph: Graph, path: str | Path) -> None:
    Path(path).write_bytes(serialize_model(graph))


def serialize_model(graph: Graph) -> bytes:
    """The Graph as .tflite bytes (file identifier TFL3, schema version 3)."""
    buffers = [schema.BufferT()]  # buffer 0: the empty sentinel every non-constant tensor uses
    tensors = [_tensor(t, buffers) for t in graph.tensors]
    opcode_names: list[str] = []
    operators = [_operator(op, opcode_names) for op in graph.operators]

    subgraph = schema.SubGraphT()
    subgraph.tensors = tensors
    subgraph.operators = operators
    subgraph.inputs = list(graph.inputs)
    subgraph.outputs = list(graph.outputs)
    subgraph.name = graph.name

    model = schema.ModelT()
    model.version = _SCHEMA_VERSION
    model.operatorCodes = [_opcode(name, version) for name, version in opcode_names]
    model.subgraphs = [subgraph]
    model.buffers = buffers
    model.description = graph.description

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


class _AlignedBufferT(schema.BufferT):
    """A buffer whose bytes start on a 16-byte boundary (the stock Pack aligns to 1)."""

    def Pack(self, builder: flatbuffers.Builder) -> int:
        payload = self.data.tobytes()
        builder.StartVector(1, len(payload), _BUFFER_ALIGNMENT)
        builder.head -= len(payload)
        builder.Bytes[builder.head:builder.head + len(payload)] = payload
        builder.vectorNumElems = len(payload)
        data = builder.EndVector()
        schema.BufferStart(builder)
        schema.BufferAddData(builder, data)
        return schema.BufferEnd(builder)


def _tensor(tensor: Tensor, buffers: list) -> schema.TensorT:
    out = schema.TensorT()
    out.shape = list(tensor.shape)
    out.type = _tensor_type(tensor)
    out.name = tensor.name
    out.isVariable = tensor.is_variable
    out.quantization = _quantization(tensor.quant) if tensor.quant is not None else None
    if tensor.data is not None:
        buffer = _AlignedBufferT()
        buffer.data = np.frombuffer(_constant_bytes(tensor), dtype=np.uint8)
        out.buffer = len(buffers)
        buffers.append(buffer)
    return out


def _tensor_type(tensor: Tensor) -> int:
    code = getattr(schema.TensorType, tensor.dtype.upper(), None)
    if code is None:
        raise ModelError(f"tensor {tensor.index}: dtype {tensor.dtype!r} has no TFLite type")
    return code


def _constant_bytes(tensor: Tensor) -> bytes:
    data = np.asarray(tensor.data)
    if tensor.dtype in ("string", "int4"):  # the reader keeps these as raw bytes
        return data.astype(np.uint8).tobytes()
    raw = data.astype(np.dtype(tensor.dtype).newbyteorder("<"), copy=False).tobytes()
    if len(raw) != tensor.nbytes:
        raise ModelError(f"tensor {tensor.index} ({tensor.name}): {len(raw)} data bytes, "
                         f"shape {list(tensor.shape)} {tensor.dtype} needs {tensor.nbytes}")
    return raw


def _quantization(quant: Quantization) -> schema.QuantizationParametersT:
    if len(quant.scale) != len(quant.zero_point):
        raise ModelError(f"{len(quant.scale)} scales but {len(quant.zero_point)} zero points")
    out = schema.QuantizationParametersT()
    out.scale = [float(s) for s in quant.scale]
    out.zeroPoint = [int(z) for z in quant.zero_point]
    out.quantizedDimension = int(quant.axis)
    return out


def _operator(op: Operator, opcode_names: list[tuple[str, int]]) -> schema.OperatorT:
    key = (op.op, op.version)
    if key not in opcode_names:
        opcode_names.append(key)
    out = schema.OperatorT()
    out.opcodeIndex = opcode_names.index(key)
    out.inputs = list(op.inputs)
    out.outputs = list(op.outputs)
    if op.options:
        class_name = _options_class(op)
        out.builtinOptionsType = _OPTION_TYPES[class_name]
        out.builtinOptions = _options(op, class_name)
    return out


def _options_class(op: Operator) -> str:
    name = _SHARED_OPTIONS.get(op.op)
    if name is None:
        name = _OPTIONS_BY_FOLDED_NAME.get(op.op.replace("_", "").lower() + "options")
    if name is None:
        raise ModelError(f"operator {op.index} ({op.op}): no options table is known for it")
    return name


def _options(op: Operator, class_name: str) -> Any:
    table = getattr(schema, class_name + "T")()
    attributes = {_snake(attr): attr for attr in vars(table)}
    for key, value in op.options.items():
        if key not in attributes:
            raise ModelError(f"operator {op.index} ({op.op}): {class_name} has no option {key!r}")
        setattr(table, attributes[key], _encoded(op, key, value))
    return table


def _encoded(op: Operator, key: str, value: Any) -> Any:
    if key not in _ENUM_CODES:
        return value
    codes = _ENUM_CODES[key]
    if value in codes:
        return codes[value]
    if isinstance(value, str) and value.isdigit():  # the reader keeps unknown codes as digits
        return int(value)
    raise ModelError(f"operator {op.index} ({op.op}): unknown {key} {value!r}")


def _opcode(name: str, version: int) -> schema.OperatorCodeT:
    out = schema.OperatorCodeT()
    out.version = version
    if name.startswith("CUSTOM:"):
        out.builtinCode = schema.BuiltinOperator.CUSTOM
        out.customCode = name[len("CUSTOM:"):]
    elif name in _OPERATOR_CODES:
        out.builtinCode = _OPERATOR_CODES[name]
    else:
        raise ModelError(f"unknown builtin operator {name!r}")
    out.deprecatedBuiltinCode = min(out.builtinCode, _PLACEHOLDER_FOR_GREATER_OP_CODES)
    return out

