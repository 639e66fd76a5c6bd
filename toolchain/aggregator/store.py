"""Where results live: SQLite (a file in WAL mode, nothing to set up) or PostgreSQL (psycopg 3, so
several aggregator instances can share one store). Both get the same schema from the same
versioned migrations, recorded in `schema_migrations`.

Exactly-once storage rests on the database, not on the service: results carry a
UNIQUE (device, session, seq) key and are inserted with ON CONFLICT DO NOTHING inside one
transaction per batch, which commits (fsync'd) before the request is acknowledged.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import orjson

from toolchain.aggregator.errors import AggregatorError, StoreUnavailableError

DEFAULT_DB_PATH = Path(".tinylarge") / "aggregator.db"
DB_ENV_VAR = "TINYLARGE_AGGREGATOR_DB"

# Each migration: (version, description, statements). Types are written once; {id} is the only
# dialect-specific part. Append new versions, never edit applied ones.
# Our own runner (migrate(), 25 lines, no dependency) rather than a migration tool: for two migrations,
# yoyo-migrations would add 1.9 MB (itself and 5 packages) and alembic 33 MB with SQLAlchemy (clean venv, 2026-12-02).
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "devices and results", [
        """CREATE TABLE devices (
            name TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            created_at DOUBLE PRECISION NOT NULL)""",
        """CREATE TABLE results (
            id {id},
            device TEXT NOT NULL REFERENCES devices(name),
            session TEXT NOT NULL,
            seq BIGINT NOT NULL,
            received_at DOUBLE PRECISION NOT NULL,
            output TEXT NOT NULL,
            tiny_label INTEGER NOT NULL,
            confidence DOUBLE PRECISION NOT NULL,
            label INTEGER,
            latency_cycles BIGINT,
            input TEXT,
            escalated SMALLINT NOT NULL DEFAULT 0,
            teacher_label INTEGER,
            teacher_confidence DOUBLE PRECISION,
            UNIQUE (device, session, seq))""",
        "CREATE INDEX results_received_at ON results (received_at)",
    ]),
    (2, "device revocation", [
        "ALTER TABLE devices ADD COLUMN revoked_at DOUBLE PRECISION",
    ]),
]

TIMELINE_MAX_BUCKETS = 60
INSERT_ROWS_PER_STATEMENT = 500  # 13 parameters a row: under SQLite's parameter limit
RESULT_COLUMNS = ("device, session, seq, received_at, output, tiny_label, confidence, label, latency_cycles, input, "
                  "escalated, teacher_label, teacher_confidence")
HISTOGRAM_BINS = 20


@dataclass(slots=True)  # not frozen: a frozen __init__ costs microseconds per result
class ResultRow:
    """One result ready to store: what the device sent plus what the service judged."""

    seq: int
    output: list[float]
    tiny_label: int
    confidence: float
    label: int | None
    latency_cycles: int | None
    input: list[float] | None
    escalated: bool
    teacher_label: int | None
    teacher_confidence: float | None


@dataclass(frozen=True)
class HardExample:
    input: list[float]
    teacher_label: int
    tiny_label: int


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_db_url(url: str | None, environ: dict[str, str]) -> str:
    """--db, else $TINYLARGE_AGGREGATOR_DB, else .tinylarge/aggregator.db in the current directory."""
    return url or environ.get(DB_ENV_VAR) or str(DEFAULT_DB_PATH)


def open_store(url: str, create: bool = True) -> "Store":
    """Open (and migrate) the store named by `url`: a postgresql:// URL, sqlite:///path or a path.
    `create=False` (reading commands): a SQLite file that does not exist is an error, not a new store."""
    scheme = urlparse(url).scheme
    if scheme in ("postgresql", "postgres"):
        store: Store = PostgresStore(url)
    elif scheme == "sqlite":
        store = SqliteStore(Path(url[len("sqlite://"):]).expanduser(), create)
    elif scheme in ("", "file") or len(scheme) == 1:  # plain path (a Windows drive letter too)
        store = SqliteStore(Path(url.removeprefix("file://")).expanduser(), create)
    else:
        raise AggregatorError(f"unsupported database URL {url!r}: use a file path, sqlite:///PATH or postgresql://...")
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store


class Store(ABC):
    """The operations the service needs, written once; subclasses supply connections and dialect."""

    placeholder = "?"
    id_column = ""

    def __init__(self) -> None:
        self._local = threading.local()
        self._connections: list[Any] = []
        self._connections_lock = threading.Lock()
        self._generation = 0  # bumped when the server went away: every thread then reconnects

    # --- dialect hooks -------------------------------------------------------------------------
    @abstractmethod
    def _connect(self) -> Any:
        """A new DB-API connection for the calling thread."""

    @contextmanager
    @abstractmethod
    def _transaction(self, exclusive: bool = False) -> Iterator[Any]:
        """A cursor inside one transaction (`exclusive`: it will write); commit on success."""

    @abstractmethod
    def _bucket_expression(self, column: str) -> str:
        """SQL for floor(column / ?) as an integer (one placeholder: the bucket width)."""

    @abstractmethod
    def _lock_migrations(self, cursor: Any) -> None:
        """Keep concurrent starters from migrating at the same time."""

    # --- shared ----------------------------------------------------------------------------------
    def _sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder) if self.placeholder != "?" else statement

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is not None and self._local.generation != self._generation:
            self._forget_connection()
            connection = None
        if connection is None:
            connection = self._connect()
            self._local.connection, self._local.generation = connection, self._generation
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _forget_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._connections_lock:
                if connection in self._connections:
                    self._connections.remove(connection)
            try:
                connection.close()
            except Exception:  # already broken: closing is best effort
                pass

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    def migrate(self) -> int:
        """Apply missing migrations; returns the schema version now in place."""
        known = max(version for version, _, _ in MIGRATIONS)
        with self._transaction(exclusive=True) as cursor:
            self._lock_migrations(cursor)
            cursor.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, description TEXT NOT NULL,
                applied_at DOUBLE PRECISION NOT NULL)""")
            cursor.execute("SELECT version FROM schema_migrations")
            applied = {row[0] for row in cursor.fetchall()}
            if applied and max(applied) > known:
                raise AggregatorError(f"the database schema is version {max(applied)}, newer than this "
                                      f"tinylarge knows (version {known}): upgrade tinylarge")
            for version, description, statements in MIGRATIONS:
                if version in applied:
                    continue
                for statement in statements:
                    cursor.execute(statement.format(id=self.id_column))
                cursor.execute(self._sql("INSERT INTO schema_migrations (version, description, applied_at) "
                                         "VALUES (?, ?, ?)"), (version, description, time.time()))
        return known

    def schema_version(self) -> int:
        with self._transaction() as cursor:
            cursor.execute("SELECT MAX(version) FROM schema_migrations")
            return int(cursor.fetchone()[0])

    # --- devices ---------------------------------------------------------------------------------
    def add_device(self, name: str) -> str:
        """Register a device; returns its new token (only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        with self._transaction(exclusive=True) as cursor:
            cursor.execute(self._sql("SELECT 1 FROM devices WHERE name = ?"), (name,))
            if cursor.fetchone():
                raise AggregatorError(f"device {name!r} already exists")
            cursor.execute(self._sql("INSERT INTO devices (name, token_hash, created_at) VALUES (?, ?, ?)"),
                           (name, hash_token(token), time.time()))
        return token

    def device_for_token(self, token: str) -> str | None:
        """The device a token speaks for, None when no device owns it or the device is revoked."""
        with self._transaction() as cursor:
            cursor.execute(self._sql("SELECT name FROM devices WHERE token_hash = ? AND revoked_at IS NULL"),
                           (hash_token(token),))
            row = cursor.fetchone()
        return row[0] if row else None

    def active_devices(self, names: set[str]) -> set[str]:
        """Those of `names` that are registered and not revoked."""
        if not names:
            return set()
        with self._transaction() as cursor:
            marks = ", ".join([self.placeholder] * len(names))
            cursor.execute(f"SELECT name FROM devices WHERE revoked_at IS NULL AND name IN ({marks})", sorted(names))
            return {row[0] for row in cursor.fetchall()}

    def revoke_device(self, name: str) -> None:
        """Refuse the device's token from now on (its stored results stay)."""
        with self._transaction(exclusive=True) as cursor:
            cursor.execute(self._sql("UPDATE devices SET revoked_at = ? WHERE name = ? RETURNING name"),
                           (time.time(), name))
            if cursor.fetchone() is None:
                raise AggregatorError(f"no device named {name!r}")

    def rotate_token(self, name: str) -> str:
        """A new token for the device (the old one stops working; a revoked device is active again)."""
        token = secrets.token_urlsafe(32)
        with self._transaction(exclusive=True) as cursor:
            cursor.execute(self._sql("UPDATE devices SET token_hash = ?, revoked_at = NULL WHERE name = ? "
                                     "RETURNING name"), (hash_token(token), name))
            if cursor.fetchone() is None:
                raise AggregatorError(f"no device named {name!r}")
        return token

    # --- results ---------------------------------------------------------------------------------
    def insert_results(self, device: str, session: str, rows: list[ResultRow]) -> list[int]:
        """Store a batch in one transaction; returns the seqs that were new (the rest were stored
        before, by an earlier try of the same batch)."""
        return self.insert_batches([(device, session, rows)])[0]

    def insert_batches(self, batches: list[tuple[str, str, list[ResultRow]]]) -> list[list[int]]:
        """Store several (device, session, rows) batches in ONE transaction (a group commit: one
        fsync for all of them); returns, per batch, the seqs that were new."""
        received_at = time.time()
        values = [(device, session, row.seq, received_at, _json(row.output), row.tiny_label, row.confidence,
                   row.label, row.latency_cycles, None if row.input is None else _json(row.input),
                   int(row.escalated), row.teacher_label, row.teacher_confidence)
                  for device, session, rows in batches for row in rows]
        with self._transaction(exclusive=True) as cursor:
            new_keys = self._insert_new(cursor, values)
        new_seqs = []
        for device, session, rows in batches:  # a key sent twice in one group is new for its first copy only
            new_seqs.append([row.seq for row in rows if (device, session, row.seq) in new_keys])
            new_keys.difference_update((device, session, seq) for seq in new_seqs[-1])
        return new_seqs

    def _insert_new(self, cursor: Any, values: list[tuple]) -> set[tuple[str, str, int]]:
        """INSERT the rows, skipping (device, session, seq) keys stored before; the keys inserted.
        Multi-row INSERTs: one statement per INSERT_ROWS_PER_STATEMENT rows."""
        new_keys: set[tuple[str, str, int]] = set()
        for start in range(0, len(values), INSERT_ROWS_PER_STATEMENT):
            chunk = values[start:start + INSERT_ROWS_PER_STATEMENT]
            cursor.execute(self._insert_statement(len(chunk)), [v for row in chunk for v in row])
            new_keys.update((d, s, int(q)) for d, s, q in cursor.fetchall())
        return new_keys

    def _insert_statement(self, rows: int) -> str:
        one_row = "(" + ", ".join([self.placeholder] * 13) + ")"
        return (f"INSERT INTO results ({RESULT_COLUMNS}) VALUES " + ", ".join([one_row] * rows)
                + " ON CONFLICT (device, session, seq) DO NOTHING RETURNING device, session, seq")

    def stored_seqs(self, device: str, session: str) -> list[int]:
        """Every stored seq of one session, in order (a seq stored twice would appear twice)."""
        with self._transaction() as cursor:
            cursor.execute(self._sql("SELECT seq FROM results WHERE device = ? AND session = ? ORDER BY seq"),
                           (device, session))
            return [int(row[0]) for row in cursor.fetchall()]

    def stored_outputs(self, device: str) -> list[tuple[str, int, list[float]]]:
        """(session, seq, output) of every result of one device, by session and seq."""
        with self._transaction() as cursor:
            cursor.execute(self._sql("SELECT session, seq, output FROM results WHERE device = ? ORDER BY session, seq"),
                           (device,))
            return [(row[0], int(row[1]), json.loads(row[2])) for row in cursor.fetchall()]

    def hard_examples(self) -> list[HardExample]:
        """Escalated results where the teacher disagreed with the tiny model, oldest first."""
        with self._transaction() as cursor:
            cursor.execute("SELECT input, teacher_label, tiny_label FROM results WHERE escalated = 1 "
                           "AND input IS NOT NULL AND teacher_label <> tiny_label ORDER BY id")
            return [HardExample(json.loads(row[0]), int(row[1]), int(row[2])) for row in cursor.fetchall()]

    # --- statistics ------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Fleet totals, per-device figures, a timeline and a latency histogram (plain JSON types)."""
        with self._transaction() as cursor:
            totals = self._totals(cursor)
            devices = self._device_rows(cursor)
            timeline = self._timeline(cursor, totals["first_at"], totals["last_at"])
            histogram = self._latency_histogram(cursor)
        return {
            "results": totals["results"],
            "per_device": {d["name"]: d["results"] for d in devices},
            "devices": devices,
            "labelled": totals["labelled"],
            "accuracy": _ratio(totals["correct"], totals["labelled"]),
            "escalated": totals["escalated"],
            "offload_rate": _ratio(totals["escalated"], totals["results"]),
            "agreement": _ratio(totals["agreed"], totals["escalated"]),
            "disagreements": totals["escalated"] - totals["agreed"],
            "timeline": timeline,
            "latency_histogram": histogram,
        }

    _COUNTS = ("COUNT(r.id), COALESCE(SUM(r.escalated), 0), "
               "COALESCE(SUM(CASE WHEN r.escalated = 1 AND r.teacher_label = r.tiny_label THEN 1 ELSE 0 END), 0), "
               "COUNT(r.label), COALESCE(SUM(CASE WHEN r.label = r.tiny_label THEN 1 ELSE 0 END), 0)")

    def _totals(self, cursor: Any) -> dict[str, Any]:
        cursor.execute(f"SELECT {self._COUNTS}, MIN(r.received_at), MAX(r.received_at) FROM results r")
        results, escalated, agreed, labelled, correct, first_at, last_at = cursor.fetchone()
        return {"results": int(results), "escalated": int(escalated), "agreed": int(agreed),
                "labelled": int(labelled), "correct": int(correct), "first_at": first_at, "last_at": last_at}

    def _device_rows(self, cursor: Any) -> list[dict[str, Any]]:
        cursor.execute(f"SELECT d.name, {self._COUNTS}, MAX(r.received_at), AVG(r.latency_cycles), "
                       "MAX(r.latency_cycles) FROM devices d LEFT JOIN results r ON r.device = d.name "
                       "GROUP BY d.name ORDER BY d.name")
        devices = []
        for name, results, escalated, agreed, labelled, correct, last_seen, mean_latency, max_latency in cursor:
            devices.append({
                "name": name, "results": int(results), "last_seen": last_seen,
                "labelled": int(labelled), "accuracy": _ratio(int(correct), int(labelled)),
                "escalated": int(escalated), "agreement": _ratio(int(agreed), int(escalated)),
                "latency_cycles_mean": None if mean_latency is None else float(mean_latency),
                "latency_cycles_max": None if max_latency is None else int(max_latency),
            })
        return devices

    def _timeline(self, cursor: Any, first_at: float | None, last_at: float | None) -> dict[str, Any]:
        """Results per time bucket, with escalations and agreements for the offload/agreement charts."""
        if first_at is None:
            return {"bucket_seconds": None, "buckets": []}
        width = _nice_bucket_width((last_at - first_at) / TIMELINE_MAX_BUCKETS)
        bucket = self._bucket_expression("received_at")
        cursor.execute(self._sql(
            f"SELECT {bucket} AS b, COUNT(*), SUM(escalated), "
            "SUM(CASE WHEN escalated = 1 AND teacher_label = tiny_label THEN 1 ELSE 0 END) "
            f"FROM results GROUP BY b ORDER BY b"), (width,))
        buckets = [{"start": int(b) * width, "results": int(n), "escalated": int(e), "agreed": int(a)}
                   for b, n, e, a in cursor.fetchall()]
        return {"bucket_seconds": width, "buckets": buckets}

    def _latency_histogram(self, cursor: Any) -> dict[str, Any]:
        cursor.execute("SELECT MIN(latency_cycles), MAX(latency_cycles) FROM results")
        low, high = cursor.fetchone()
        if low is None:
            return {"edges": [], "counts": []}
        low, high = int(low), int(high)
        width = max(1, math.ceil((high - low + 1) / HISTOGRAM_BINS))
        cursor.execute(self._sql("SELECT (latency_cycles - ?) / ? AS bin, COUNT(*) FROM results "
                                 "WHERE latency_cycles IS NOT NULL GROUP BY bin ORDER BY bin"), (low, width))
        counts_by_bin = {int(b): int(n) for b, n in cursor.fetchall()}
        bins = max(counts_by_bin) + 1
        return {"edges": [low + i * width for i in range(bins + 1)],
                "counts": [counts_by_bin.get(i, 0) for i in range(bins)]}


def _json(values: list[float]) -> str:
    """Compact JSON text of a vector (orjson: a tenth of json.dumps' time, which counted per result)."""
    return orjson.dumps(values).decode()


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _nice_bucket_width(seconds: float) -> int:
    """The smallest of 1 s, 2 s, 5 s, 10 s, ... 1 day that is at least `seconds` wide."""
    for width in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200):
        if width >= seconds:
            return width
    return 86400 * max(1, math.ceil(seconds / 86400))


class SqliteStore(Store):
    """One file in WAL mode: readers never block the writer; synchronous=FULL makes every
    acknowledged commit durable. Writers inside one process queue on a lock; writers in other
    processes wait through busy_timeout."""

    id_column = "INTEGER PRIMARY KEY"

    def __init__(self, path: Path, create: bool = True) -> None:
        super().__init__()
        self.path = path
        self._write_lock = threading.Lock()
        if not create and not path.is_file():
            raise AggregatorError(f"no aggregator database at {path} (a reading command never creates one)")
        if path == DEFAULT_DB_PATH:  # only the default folder is made on the user's behalf
            _make_private_file(path, parent=True)
        elif not path.parent.is_dir():
            raise AggregatorError(f"the database folder {path.parent} does not exist")
        else:
            _make_private_file(path)

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            # SQLite gives the -wal and -shm files the database file's mode: 0600 like the database.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            raise AggregatorError(f"cannot open SQLite database {self.path}: {exc}") from None
        return connection

    @contextmanager
    def _transaction(self, exclusive: bool = False) -> Iterator[sqlite3.Cursor]:
        connection = self._connection()
        lock = self._write_lock if exclusive else None
        if lock:
            lock.acquire()
        try:
            cursor = connection.cursor()
            # IMMEDIATE takes the write lock up front, so two writers never deadlock on an upgrade.
            cursor.execute("BEGIN IMMEDIATE" if exclusive else "BEGIN")
            try:
                yield cursor
                connection.commit()
            except BaseException:  # a failed commit too: never leave a transaction open
                connection.rollback()
                raise
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"SQLite database {self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise AggregatorError(f"SQLite database {self.path} is not usable: {exc}") from None
        finally:
            if lock:
                lock.release()

    def _bucket_expression(self, column: str) -> str:
        return f"CAST({column} / ? AS INTEGER)"  # times are positive: truncation is floor

    def _lock_migrations(self, cursor: sqlite3.Cursor) -> None:
        """BEGIN IMMEDIATE already holds the database's single write lock."""


def _make_private_file(path: Path, parent: bool = False) -> None:
    """Create the database file 0600 before SQLite opens it (results are not for other users);
    tighten an existing file (and its -wal/-shm) that we own but others could read."""
    try:
        if parent:
            path.parent.mkdir(mode=0o700, exist_ok=True)
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if file.exists() and file.stat().st_uid == os.geteuid() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
    except OSError as exc:
        raise AggregatorError(f"cannot create the database {path}: {exc.strerror}") from None


STAGING_COLUMNS = ("device TEXT, session TEXT, seq BIGINT, received_at DOUBLE PRECISION, output TEXT, "
                   "tiny_label INTEGER, confidence DOUBLE PRECISION, label INTEGER, latency_cycles BIGINT, input TEXT, "
                   "escalated SMALLINT, teacher_label INTEGER, teacher_confidence DOUBLE PRECISION")


class PostgresStore(Store):
    """psycopg 3, one connection per worker thread; an advisory lock serializes migrations when
    several instances start at once."""

    placeholder = "%s"
    id_column = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    MIGRATION_LOCK_KEY = 0x74696E79  # "tiny"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def __repr__(self) -> str:
        parsed = urlparse(self.url)
        return f"PostgresStore({parsed.hostname or 'local socket'}{parsed.path})"

    def _connect(self) -> Any:
        import psycopg

        try:
            connection = psycopg.connect(self.url, connect_timeout=10, autocommit=True)  # transactions are explicit
            connection.execute(f"CREATE TEMP TABLE incoming_results ({STAGING_COLUMNS}) ON COMMIT DELETE ROWS")
        except psycopg.Error as exc:
            raise StoreUnavailableError(f"cannot connect to PostgreSQL: {_first_line(exc)}") from None
        return connection

    @contextmanager
    def _transaction(self, exclusive: bool = False) -> Iterator[Any]:
        import psycopg

        connection = self._connection()
        try:
            with connection.transaction():
                with connection.cursor() as cursor:
                    yield cursor
        except psycopg.OperationalError as exc:
            self._generation += 1  # the server went away: all threads reconnect on their next request
            self._forget_connection()
            raise StoreUnavailableError(f"PostgreSQL: {_first_line(exc)}") from None
        except psycopg.Error as exc:
            raise AggregatorError(f"PostgreSQL rejected a statement: {_first_line(exc)}") from None

    def _insert_new(self, cursor: Any, values: list[tuple]) -> set[tuple[str, str, int]]:
        """COPY the rows into this connection's staging table (a temporary table, emptied at each
        commit: no statement parsing, no parameter limit), then one INSERT ... SELECT moves the
        rows with new keys into results."""
        with cursor.copy(f"COPY incoming_results ({RESULT_COLUMNS}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO results ({RESULT_COLUMNS}) SELECT {RESULT_COLUMNS} FROM incoming_results "
                       "ON CONFLICT (device, session, seq) DO NOTHING RETURNING device, session, seq")
        return {(d, s, int(q)) for d, s, q in cursor.fetchall()}

    def _bucket_expression(self, column: str) -> str:
        return f"CAST(FLOOR({column} / %s) AS BIGINT)"

    def _lock_migrations(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (self.MIGRATION_LOCK_KEY,))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
