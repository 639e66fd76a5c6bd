"""The HTTP service (FastAPI on uvicorn).

    POST /v1/results                          ingest a batch (device token), exactly once per seq
    GET  /v1/stats                            fleet figures (JSON), what the dashboard draws
    GET  /v1/sessions/{device}/{session}/seqs stored seqs of one session (that device's token)
    GET  /v1/health                           liveness and schema version (nothing more: no auth)
    GET  /                                    the dashboard (static files, nothing from the internet)

Every error answer, 404 and 405 included, is JSON `{"error": REASON}`. Store outages answer 503
with Retry-After, so a sender retries; nothing is acknowledged before its transaction has
committed. Store errors are logged, never sent: an answer does not reveal paths or database
messages. Requests whose Host header is not on the allow-list get 400, so a web page that
re-binds its own DNS name to 127.0.0.1 cannot read this service from a developer's browser.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from toolchain.aggregator.auth import DeviceAuthenticator, Forbidden, Unauthorized
from toolchain.aggregator.errors import AggregatorError, StoreUnavailableError
from toolchain.aggregator.groupcommit import GroupCommit
from toolchain.aggregator.ingest import DEFAULT_THRESHOLD, Cascade, ingest_bodies, ingest_body
from toolchain.aggregator.models import MAX_BODY_BYTES, BatchRejected
from toolchain.aggregator.mqtt import MqttIngest, MqttSettings
from toolchain.aggregator.store import Store, open_store
from toolchain.aggregator.tail import Tail, load_tail
from toolchain.aggregator.teacher import load_teacher

DASHBOARD_DIR = Path(__file__).parent / "dashboard"
# The dashboard may only talk to this service: the browser itself refuses anything else.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
ANY_HOST = "*"
log = logging.getLogger("tinylarge.aggregator")


@dataclass(frozen=True)
class ServiceConfig:
    db_url: str
    teacher_path: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    max_body_bytes: int = MAX_BODY_BYTES
    tail_path: str | None = None  # split computing: devices send a head's feature map, this tail finishes it
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS  # Host header names (no port); "*" allows any
    mqtt: MqttSettings | None = None  # also ingest from this broker (see mqtt.py)


def allowed_hosts_for(bind_host: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The loopback names, the address the service listens on (unless a wildcard) and `extra`."""
    bound = () if bind_host in ("0.0.0.0", "::", "") else (_host_name(bind_host),)
    return tuple(dict.fromkeys((*LOOPBACK_HOSTS, *bound, *(_host_name(h) for h in extra))))


def _host_name(host: str) -> str:
    """Lower-case host name as it appears in a Host header: IPv6 in brackets."""
    host = host.strip().lower()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _host_without_port(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):
        return header[:header.find("]") + 1]
    return header.rpartition(":")[0] if ":" in header else header


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
        mqtt = _start_mqtt(config.mqtt, store, cascade, tail) if config.mqtt else None
    except AggregatorError:
        store.close()
        raise

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        if mqtt is not None:
            mqtt.stop()
        store.close()

    app = FastAPI(title="tinylarge aggregator", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/v1/openapi.json")
    _add_error_handlers(app, config.allowed_hosts)
    _add_api(app, store, cascade, config, tail, mqtt)
    _add_dashboard(app)
    return app


def _start_mqtt(settings: MqttSettings, store: Store, cascade: Cascade | None, tail: Tail | None) -> MqttIngest:
    ingest = MqttIngest(settings, lambda messages: ingest_bodies(store, messages, cascade, tail))
    ingest.start()
    return ingest


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


def _logged(status: int, public_reason: str, headers: dict[str, str] | None = None):
    """An answer that keeps the details (paths, database messages) in the log, not in the body."""
    def make(exc: Exception) -> JSONResponse:
        log.warning("%s: %s", public_reason, exc)
        return _error(status, public_reason, headers)
    return make


def _add_error_handlers(app: FastAPI, allowed_hosts: tuple[str, ...]) -> None:
    handlers = {
        Unauthorized: lambda exc: _error(401, str(exc), {"WWW-Authenticate": "Bearer"}),
        Forbidden: lambda exc: _error(403, str(exc)),
        BodyTooLarge: lambda exc: _error(413, str(exc)),
        BatchRejected: lambda exc: _error(422, str(exc)),
        StoreUnavailableError: _logged(503, "the store is unavailable, retry later", {"Retry-After": "1"}),
        AggregatorError: _logged(500, "the store failed on this request"),
        HTTPException: lambda exc: _error(exc.status_code, str(exc.detail), exc.headers),
        RequestValidationError: lambda exc: _error(422, "request: " + str(exc.errors()[0].get("msg", "invalid"))),
        Exception: _logged(500, "internal error"),
    }
    for exc_type, make_response in handlers.items():
        app.add_exception_handler(exc_type, lambda _request, exc, make=make_response: make(exc))
    any_host = ANY_HOST in allowed_hosts

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        host = _host_without_port(request.headers.get("host", ""))
        if any_host or host in allowed_hosts:
            response = await call_next(request)
        else:
            response = _error(400, f"Host header {host!r} is not allowed (serve --allowed-host NAME)")
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _add_api(app: FastAPI, store: Store, cascade: Cascade | None, config: ServiceConfig, tail: Tail | None,
             mqtt: MqttIngest | None) -> None:
    auth = DeviceAuthenticator(store)
    writer = GroupCommit(store)  # concurrent requests share transactions

    @app.post("/v1/results")
    async def post_results(request: Request) -> dict:
        device = await run_in_threadpool(auth.device_for, request.headers.get("authorization"))
        body = await _read_limited_body(request, config.max_body_bytes)
        return await run_in_threadpool(ingest_body, writer, device, body, cascade, tail)

    stats_cache = _StatsCache(store.stats)

    @app.get("/v1/stats")
    async def get_stats() -> dict:
        stats = dict(await run_in_threadpool(stats_cache.get))
        stats["teacher"] = cascade.teacher.name if cascade else None
        stats["threshold"] = cascade.threshold if cascade else None
        stats["mqtt"] = mqtt.counters() if mqtt else None  # this process's MQTT ingest, since it started
        return stats

    @app.get("/v1/sessions/{device}/{session}/seqs")
    async def get_seqs(device: str, session: str, request: Request) -> dict:
        token_device = await run_in_threadpool(auth.device_for, request.headers.get("authorization"))
        auth.require_same_device(token_device, device)
        return {"device": device, "session": session,
                "seqs": await run_in_threadpool(store.stored_seqs, device, session)}

    @app.get("/v1/health")
    async def health() -> dict:
        return {"status": "ok", "schema_version": await run_in_threadpool(store.schema_version)}


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
