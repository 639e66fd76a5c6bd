"""Shared helpers for the aggregator tests: a real `tinylarge aggregator serve` process, device
registration through the real CLI, and a small float teacher built without TensorFlow."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import flatbuffers
import httpx
import numpy as np

from toolchain.model import schema

_SCRIPT = Path(sys.executable).parent / "tinylarge"
TINYLARGE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from toolchain.cli import main; main()"]
STARTUP_SECONDS = 30


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs (the crash-safety case)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=15)


def run_cli(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*TINYLARGE, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    if check and done.returncode != 0:
        raise AssertionError(f"tinylarge {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done


def add_device(db: str, name: str) -> str:
    """Register a device with the real CLI; the token is the last output line."""
    return run_cli("aggregator", "add-device", name, "--db", db).stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: str | None, *extra: str, port: int = 0, env: dict | None = None) -> Server:
    """`tinylarge aggregator serve`: the first stdout line announces the URL (port 0: any free port).
    `db` None: the store comes from `extra` (--db-file) or `env` ($TINYLARGE_AGGREGATOR_DB)."""
    db_option = ["--db", db] if db is not None else []
    process = subprocess.Popen([*TINYLARGE, "aggregator", "serve", *db_option, "--port", str(port), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    line = process.stdout.readline()
    if not line.startswith("aggregator listening on "):
        process.kill()
        raise AssertionError(f"server did not start: {line!r} {process.stderr.read()}")
    server = Server(url=line.split()[-1], process=process)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:  # the socket is bound before uvicorn accepts: wait for it
        try:
            if httpx.get(f"{server.url}/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError("server never answered /v1/health")


def post_batch(url: str, token: str | None, body, timeout: float = 30) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    if isinstance(body, (bytes, str)):
        return httpx.post(f"{url}/v1/results", content=body, headers=headers, timeout=timeout)
    return httpx.post(f"{url}/v1/results", json=body, headers=headers, timeout=timeout)


def batch(device: str, session: str, seqs, **fields) -> dict:
    return {"device": device, "session": session,
            "results": [{"seq": s, "output": [0.25, 0.75], "label": 1, "latency_cycles": 1000 + s} for s in seqs],
            **fields}


def stored_seqs(url: str, token: str, device: str, session: str) -> list[int]:
    response = httpx.get(f"{url}/v1/sessions/{device}/{session}/seqs",
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["seqs"]


def build_fc_softmax_teacher(weights: np.ndarray, bias: np.ndarray) -> bytes:
    """A float32 .tflite: input [1, n] -> FULLY_CONNECTED(weights [units, n], bias) -> SOFTMAX."""
    units, inputs = weights.shape

    def tensor(name, shape, buffer):
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = name, list(shape), schema.TensorType.FLOAT32, buffer
        return t

    def buffer(data=None):
        b = schema.BufferT()
        if data is not None:
            b.data = np.frombuffer(np.asarray(data, dtype="<f4").tobytes(), dtype=np.uint8)
        return b

    def op_code(code):
        c = schema.OperatorCodeT()
        c.builtinCode, c.deprecatedBuiltinCode, c.version = code, min(code, 127), 1
        return c

    fc = schema.OperatorT()
    fc.opcodeIndex, fc.inputs, fc.outputs = 0, [0, 1, 2], [3]
    fc.builtinOptionsType = schema.BuiltinOptions.FullyConnectedOptions
    fc.builtinOptions = schema.FullyConnectedOptionsT()
    softmax = schema.OperatorT()
    softmax.opcodeIndex, softmax.inputs, softmax.outputs = 1, [3], [4]
    softmax.builtinOptionsType = schema.BuiltinOptions.SoftmaxOptions
    softmax.builtinOptions = schema.SoftmaxOptionsT()
    softmax.builtinOptions.beta = 1.0

    graph = schema.SubGraphT()
    graph.tensors = [tensor("input", (1, inputs), 0), tensor("weights", (units, inputs), 1),
                     tensor("bias", (units,), 2), tensor("logits", (1, units), 0), tensor("probs", (1, units), 0)]
    graph.inputs, graph.outputs, graph.operators = [0], [4], [fc, softmax]
    model = schema.ModelT()
    model.version, model.description = 3, "test teacher"
    model.operatorCodes = [op_code(schema.BuiltinOperator.FULLY_CONNECTED), op_code(schema.BuiltinOperator.SOFTMAX)]
    model.subgraphs = [graph]
    model.buffers = [buffer(), buffer(weights), buffer(bias)]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
