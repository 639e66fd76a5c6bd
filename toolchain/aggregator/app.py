"""The HTTP service (FastAPI on uvicorn).

    POST /v1/results                          ingest a batch (device token), exactly once per seq
    GET  /v1/stats                            fleet figures (JSON), what the dashboard draws
    GET  /v1/sessions/{device}/{session}/seqs stored seqs of one session (that device's token)
    GET  /v1/health                           liveness, schema version, teacher
    GET  /                                    the dashboard (static files, nothing from the internet)

Every error answer is JSON `{"error": REASON}`. Store outages answer 503 with Retry-After, so a
sender retries; nothing is acknowledged before its transaction has committed.
"""
from __future__ import annotations

import socket
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from toolchain.aggregator.auth import DeviceAuthenticator, Forbidden, Unauthorized
from toolchain.aggregator.errors import AggregatorError, StoreUnavailableError
from toolchain.aggregator.ingest import DEFAULT_THRESHOLD, Cascade, prepare_rows
from toolchain.aggregator.models import MAX_BODY_BYTES, BatchRejected, parse_batch
from toolchain.aggregator.store import Store, open_store
from toolchain.aggregator.tail import Tail, load_tail
from toolchain.aggregator.teacher import load_teacher

DASHBOARD_DIR = Path(__file__).parent / "dashboard"
# The dashboard may only talk to this service: the browser itself refuses anything else.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class ServiceConfig:
    db_url: str
    teacher_path: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    max_body_bytes: int = MAX_BODY_BYTES
    tail_path: str | None = None  # split computing: devices send a head's feature map, this tail finishes it


class BodyTooLarge(Exception):
    """413: the body is over the configured limit."""


def create_app(config: ServiceConfig) -> FastAPI:
    """Open (and migrate) the store and load the teacher now, so bad settings fail before serving."""
    if not 0.0 < config.threshold <= 1.0:
        raise AggregatorError(f"--threshold must be in (0, 1], got {config.threshold}")
    store = open_store(config.db_url)
    try:
        cascade = Cascade(load_teacher(config.teacher_path), config.threshold) if config.teacher_path else None
        tail = load_tail(config.tail_path) if config.tail_path else None
    except AggregatorError:
        store.close()
        raise

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        store.close()

    app = FastAPI(title="tinylarge aggregator", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/v1/openapi.json")
    _add_error_handlers(app)
    _add_api(app, store, cascade, config, tail)
    _add_dashboard(app)
    return app


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    handlers = {
        Unauthorized: lambda exc: _error(401, str(exc), {"WWW-Authenticate": "Bearer"}),
        Forbidden: lambda exc: _error(403, str(exc)),
        BodyTooLarge: lambda exc: _error(413, str(exc)),
        BatchRejected: lambda exc: _error(422, str(exc)),
        StoreUnavailableError: lambda exc: _error(503, str(exc), {"Retry-After": "1"}),
        AggregatorError: lambda exc: _error(500, str(exc)),
    }
    for exc_type, make_response in handlers.items():
        app.add_exception_handler(exc_type, lambda _request, exc, make=make_response: make(exc))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _add_api(app: FastAPI, store: Store, cascade: Cascade | None, config: ServiceConfig, tail: Tail | None) -> None:
    auth = DeviceAuthenticator(store)

    @app.post("/v1/results")
    async def post_results(request: Request) -> dict:
        device = await run_in_threadpool(auth.device_for, request.headers.get("authorization"))
        body = await _read_limited_body(request, config.max_body_bytes)
        return await run_in_threadpool(_ingest, store, device, body, cascade, tail)

    stats_cache = _StatsCache(store.stats)

    @app.get("/v1/stats")
    async def get_stats() -> dict:
        stats = dict(await run_in_threadpool(stats_cache.get))
        stats["teacher"] = cascade.teacher.name if cascade else None
        stats["threshold"] = cascade.threshold if cascade else None
        return stats

    @app.get("/v1/sessions/{device}/{session}/seqs")
    async def get_seqs(device: str, session: str, request: Request) -> dict:
        token_device = await run_in_threadpool(auth.device_for, request.headers.get("authorization"))
        auth.require_same_device(token_device, device)
        return {"device": device, "session": session,
                "seqs": await run_in_threadpool(store.stored_seqs, device, session)}

    @app.get("/v1/health")
    async def health() -> dict:
        version = await run_in_threadpool(store.schema_version)
        return {"status": "ok", "store": repr(store), "schema_version": version,
                "teacher": cascade.teacher.name if cascade else None, "tail": tail.name if tail else None}


class _StatsCache:
    """/v1/stats scans every stored result. Compute it once at a time however many dashboards
    poll, and reuse an answer for twice as long as it took to compute: a small store is always
    fresh, a store of millions of rows is not rescanned back to back."""

    def __init__(self, compute: Callable[[], dict]) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        self._value: dict | None = None
        self._expires = 0.0

    def get(self) -> dict:
        with self._lock:
            now = time.monotonic()
            if self._value is None or now >= self._expires:
                self._value = self._compute()
                finished = time.monotonic()
                self._expires = finished + 2 * (finished - now)
            return self._value


def _ingest(store: Store, token_device: str, body: bytes, cascade: Cascade | None, tail: Tail | None) -> dict:
    """Validate, judge, escalate and store one batch: in a worker thread (parsing a large body
    must not stall the event loop), in one transaction."""
    batch = parse_batch(body)
    DeviceAuthenticator.require_same_device(token_device, batch.device)
    if tail is not None:
        batch = tail.finish(batch)
    rows = prepare_rows(batch, cascade)
    new_seqs = set(store.insert_results(batch.device, batch.session, rows))
    return {"accepted": len(new_seqs), "duplicates": len(rows) - len(new_seqs),
            "escalated": sum(1 for row in rows if row.escalated and row.seq in new_seqs)}


async def _read_limited_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes; stop early (413) instead of buffering an oversized body."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body of {int(declared)} bytes is over the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _add_dashboard(app: FastAPI) -> None:
    app.mount("/dashboard", StaticFiles(directory=DASHBOARD_DIR), name="dashboard")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(DASHBOARD_DIR / "index.html", media_type="text/html")


def serve(config: ServiceConfig, host: str, port: int, announce=print) -> None:
    """Serve until interrupted. Port 0 picks a free port; the first announced line is the URL."""
    import uvicorn

    app = create_app(config)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise AggregatorError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    bound_port = sock.getsockname()[1]
    url_host = f"[{host}]" if family == socket.AF_INET6 else host
    announce(f"aggregator listening on http://{url_host}:{bound_port}")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
