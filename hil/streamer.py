"""Stream HIL results to the LargeML aggregator without ever losing one.

    from hil.streamer import ResultStreamer

    with ResultStreamer("http://127.0.0.1:8700", token, device="board-7", session="run-42",
                        spool_path=".tinylarge/spool.db") as streamer:
        for index, outcome in enumerate(outcomes):
            streamer.send({"seq": index, "output": outcome.output, "label": outcome.label,
                           "latency_cycles": outcome.cycles, "input": outcome.input})
    # leaving the block = close(): a last drain; whatever could not be sent stays spooled

API
- `ResultStreamer(url, token, device, session, spool_path, *, batch_size=100, max_attempts=5,
  backoff_seconds=0.2, backoff_max_seconds=5.0, timeout_seconds=10.0, output_quant=None,
  input_quant=None, output_kind="auto")`. `output_quant` / `input_quant` are `{"scale": s,
  "zero_point": z}` when outputs / inputs are raw int8 values; `output_kind` is "auto",
  "probabilities" or "logits" (see toolchain.aggregator.confidence).
- `send(result)`: `result` is a dict with `output` (list of numbers) and optionally `seq`, `label`,
  `latency_cycles`, `input`. It is validated (StreamerError if invalid), given the next `seq` of the
  session when it has none, and written to the spool (a SQLite file) before send() returns; every
  `batch_size` results a drain is attempted.
- `flush() -> DrainReport`: post everything spooled for this device (oldest first, in batches;
  earlier sessions left over from a previous run too), deleting what the service acknowledged.
- `close() -> DrainReport`: flush, then release the HTTP client and the spool.
- `pending` (property): results still in the spool for this device.

MQTT: with `url` = `mqtt://HOST:PORT` or `mqtts://HOST:PORT` (and `mqtt_ca`, the CA file of the
broker's certificate) the batches are published with QoS 1 to `tinylarge/<device>/results`,
logging in as `device` with `token` as the password (see toolchain.aggregator.mqtt). A result then
leaves the spool when the BROKER acknowledged it with a subscriber to deliver it to; the aggregator
acknowledges the broker only after storing it. A PUBACK "No matching subscribers" (no aggregator
subscribed, e.g. just after a broker restart) is retried like an outage. A publish the broker
refuses (its ACL: another device's topic) raises StreamerError.

Delivery guarantees
- Nothing is lost: a result is on disk before send() returns and is deleted only after a 2xx.
- Nothing is stored twice: the service keeps one row per (device, session, seq), so re-posting a
  batch whose acknowledgement was lost is harmless.
- Order: batches leave in spool order (the order of send()).
- Outages: connection errors, 5xx and 429 are retried with exponential backoff (tenacity); after
  `max_attempts` the results stay spooled and send() does not retry again until the backoff window
  has passed, so a harness is not slowed down by a dead service. flush()/close() always try.
- 401/403 raise StreamerError (wrong token or device; results stay spooled for a later run with
  the right token). 413/422 cannot succeed by retrying: the batch is split in halves until the
  offending result stands alone; that one moves to the spool's `rejected` table with the
  service's reason (counted in DrainReport.rejected) and the others go through.
Calls are serialized by a lock, so threads may share one instance.
"""
from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import tenacity
from pydantic import ValidationError

from toolchain.aggregator.models import Quantization, Result, describe_validation_error
from toolchain.errors import ToolchainError

MAX_BATCH_BYTES = 1024 * 1024  # well under the service's default 4 MiB body limit
SPOOL_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS spool (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device TEXT NOT NULL, session TEXT NOT NULL, seq INTEGER NOT NULL, result TEXT NOT NULL,
        UNIQUE (device, session, seq))""",
    """CREATE TABLE IF NOT EXISTS sessions (
        device TEXT NOT NULL, session TEXT NOT NULL, next_seq INTEGER NOT NULL, batch_fields TEXT NOT NULL,
        PRIMARY KEY (device, session))""",
    """CREATE TABLE IF NOT EXISTS rejected (
        device TEXT NOT NULL, session TEXT NOT NULL, seq INTEGER NOT NULL, result TEXT NOT NULL,
        reason TEXT NOT NULL, rejected_at REAL NOT NULL)""",
]


class StreamerError(ToolchainError):
    """A result that cannot be sent as given, a token the service refuses, or a broken spool."""


@dataclass(frozen=True)
class DrainReport:
    sent: int = 0  # results the service acknowledged (new or already stored)
    duplicates: int = 0  # of those, how many the service had already
    rejected: int = 0  # moved to the spool's `rejected` table (413/422)
    pending: int = 0  # still spooled (service unreachable)


class _Retryable(Exception):
    """Connection trouble, 5xx or 429: worth another try."""


class _Rejected(Exception):
    """413/422: this batch will never be accepted as it is."""


class ResultStreamer:
    def __init__(self, url: str, token: str, device: str, session: str, spool_path: str | Path, *,
                 batch_size: int = 100, max_attempts: int = 5, backoff_seconds: float = 0.2,
                 backoff_max_seconds: float = 5.0, timeout_seconds: float = 10.0,
                 output_quant: dict | None = None, input_quant: dict | None = None,
                 output_kind: str = "auto", mqtt_ca: str | None = None) -> None:
        if batch_size < 1 or max_attempts < 1:
            raise StreamerError("batch_size and max_attempts must be at least 1")
        if output_kind not in ("auto", "probabilities", "logits"):
            raise StreamerError(f"output_kind must be auto, probabilities or logits, not {output_kind!r}")
        self.url = url.rstrip("/")
        self.device, self.session = device, session
        self.batch_size, self.max_attempts = batch_size, max_attempts
        self._backoff = (backoff_seconds, backoff_max_seconds)
        self._client = httpx.Client(timeout=timeout_seconds, headers={"Authorization": f"Bearer {token}"})
        self._timeout = timeout_seconds
        self._mqtt = _mqtt_settings(url, device, token, mqtt_ca)
        self._publisher = None  # connected on first use: a broker that is down must not stop send()
        self._lock = threading.Lock()
        self._unsent_since_drain = 0
        self._quiet_until = 0.0  # after a failed drain, send() leaves the service alone until then
        self._spool = _open_spool(Path(spool_path))
        self._register_session({"output_quant": _checked_quant(output_quant, "output_quant"),
                                "input_quant": _checked_quant(input_quant, "input_quant"),
                                "output_kind": output_kind})

    # --- public API ------------------------------------------------------------------------------
    def send(self, result: dict[str, Any]) -> None:
        with self._lock:
            self._spool_result(result)
            self._unsent_since_drain += 1
            if self._unsent_since_drain >= self.batch_size and time.monotonic() >= self._quiet_until:
                self._drain()

    def flush(self) -> DrainReport:
        with self._lock:
            return self._drain()

    def close(self) -> DrainReport:
        with self._lock:
            try:
                return self._drain()
            finally:
                self._client.close()
                if self._publisher is not None:
                    self._publisher.close()
                self._spool.close()

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending()

    def __enter__(self) -> "ResultStreamer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- spool -----------------------------------------------------------------------------------
    def _register_session(self, batch_fields: dict) -> None:
        with self._spool:
            self._spool.execute("INSERT INTO sessions (device, session, next_seq, batch_fields) VALUES (?, ?, 0, ?) "
                                "ON CONFLICT (device, session) DO UPDATE SET batch_fields = excluded.batch_fields",
                                (self.device, self.session, json.dumps(batch_fields)))

    def _spool_result(self, result: dict[str, Any]) -> None:
        with self._spool:  # one transaction: seq counter and row move together
            next_seq = self._spool.execute("SELECT next_seq FROM sessions WHERE device = ? AND session = ?",
                                           (self.device, self.session)).fetchone()[0]
            candidate = dict(result)
            candidate.setdefault("seq", next_seq)
            try:
                checked = Result.model_validate(candidate)
            except ValidationError as exc:
                raise StreamerError(f"result not sent: {describe_validation_error(exc)}") from None
            try:
                self._spool.execute("INSERT INTO spool (device, session, seq, result) VALUES (?, ?, ?, ?)",
                                    (self.device, self.session, checked.seq,
                                     checked.model_dump_json(exclude_none=True)))
            except sqlite3.IntegrityError:
                raise StreamerError(f"seq {checked.seq} was already sent in session {self.session!r}") from None
            self._spool.execute("UPDATE sessions SET next_seq = MAX(next_seq, ?) WHERE device = ? AND session = ?",
                                (checked.seq + 1, self.device, self.session))

    def _pending(self) -> int:
        return self._spool.execute("SELECT COUNT(*) FROM spool WHERE device = ?", (self.device,)).fetchone()[0]

    def _next_batch(self, limit: int) -> tuple[str, list[int], list[str]] | None:
        """The oldest spooled results of one session, up to `limit` results and MAX_BATCH_BYTES."""
        rows = self._spool.execute("SELECT id, session, result FROM spool WHERE device = ? ORDER BY id LIMIT ?",
                                   (self.device, limit)).fetchall()
        if not rows:
            return None
        session = rows[0][1]
        ids, results, size = [], [], 0
        for row_id, row_session, result in rows:
            if row_session != session or (results and size + len(result) > MAX_BATCH_BYTES):
                break
            ids.append(row_id)
            results.append(result)
            size += len(result) + 1
        return session, ids, results

    def _batch_body(self, session: str, results: list[str]) -> bytes:
        fields = self._spool.execute("SELECT batch_fields FROM sessions WHERE device = ? AND session = ?",
                                     (self.device, session)).fetchone()[0]
        header = {"device": self.device, "session": session,
                  **{k: v for k, v in json.loads(fields).items() if v is not None}}
        # results are already canonical JSON in the spool: splice them in without re-encoding
        return (json.dumps(header)[:-1] + ', "results": [' + ", ".join(results) + "]}").encode()

    def _delete(self, ids: list[int]) -> None:
        with self._spool:
            self._spool.executemany("DELETE FROM spool WHERE id = ?", [(i,) for i in ids])

    def _reject(self, ids: list[int], reason: str) -> None:
        with self._spool:
            marks = ",".join("?" * len(ids))
            self._spool.execute(f"INSERT INTO rejected (device, session, seq, result, reason, rejected_at) "
                                f"SELECT device, session, seq, result, ?, ? FROM spool WHERE id IN ({marks})",
                                (reason, time.time(), *ids))
            self._spool.execute(f"DELETE FROM spool WHERE id IN ({marks})", ids)

    # --- delivery --------------------------------------------------------------------------------
    def _drain(self) -> DrainReport:
        sent = duplicates = rejected = 0
        limit = self.batch_size
        while (batch := self._next_batch(limit)) is not None:
            session, ids, results = batch
            try:
                answer = self._post_with_retries(self._batch_body(session, results))
            except _Retryable:
                self._quiet_until = time.monotonic() + self._backoff[1]
                break
            except _Rejected as exc:
                if len(ids) > 1:  # bisect: only the offending result itself gets rejected
                    limit = max(1, len(ids) // 2)
                    continue
                self._reject(ids, str(exc))
                rejected += 1
                limit = self.batch_size
                continue
            limit = self.batch_size
            self._delete(ids)
            sent += len(ids)
            duplicates += int(answer.get("duplicates", 0))
        self._unsent_since_drain = 0
        return DrainReport(sent=sent, duplicates=duplicates, rejected=rejected, pending=self._pending())

    def _post_with_retries(self, body: bytes) -> dict:
        initial, maximum = self._backoff
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            wait=tenacity.wait_exponential(multiplier=initial, max=maximum),
            stop=tenacity.stop_after_attempt(self.max_attempts),
            reraise=True)
        return retrying(self._post, body)

    def _post(self, body: bytes) -> dict:
        if self._mqtt is not None:
            return self._publish(body)
        try:
            response = self._client.post(f"{self.url}/v1/results", content=body,
                                         headers={"Content-Type": "application/json"})
        except httpx.TransportError as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from None
        if response.is_success:
            return response.json()
        reason = _reason(response)
        if response.status_code in (401, 403):
            raise StreamerError(f"the aggregator at {self.url} refused device {self.device!r}: {reason}")
        if response.status_code in (413, 422):
            raise _Rejected(f"HTTP {response.status_code}: {reason}")
        raise _Retryable(f"HTTP {response.status_code}: {reason}")


    def _publish(self, body: bytes) -> dict:
        from toolchain.aggregator.mqtt import MqttPublisher, MqttRefused

        try:
            if self._publisher is None:
                self._publisher = MqttPublisher(self._mqtt, self.device)
            self._publisher.publish(body, self._timeout)
        except MqttRefused as exc:
            raise StreamerError(f"device {self.device!r}: {exc}") from None
        except (ToolchainError, TimeoutError) as exc:
            raise _Retryable(str(exc)) from None
        return {}  # the broker does not know about duplicates


def _mqtt_settings(url: str, device: str, token: str, ca_file: str | None):
    if not url.startswith(("mqtt://", "mqtts://")):
        return None
    from toolchain.aggregator.mqtt import parse_mqtt_url

    try:
        settings = parse_mqtt_url(url, password=token, ca_file=ca_file)
    except ToolchainError as exc:
        raise StreamerError(str(exc)) from None
    return dataclasses.replace(settings, username=device)


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase


def _checked_quant(quant: dict | None, name: str) -> dict | None:
    if quant is None:
        return None
    try:
        return Quantization.model_validate(quant).model_dump()
    except ValidationError as exc:
        raise StreamerError(f"{name}: {describe_validation_error(exc)}") from None


def _open_spool(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        with connection:
            for statement in SPOOL_SCHEMA:
                connection.execute(statement)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StreamerError(f"cannot open the spool {path}: {exc}") from None
    return connection
