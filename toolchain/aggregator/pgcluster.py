"""A throwaway PostgreSQL cluster in a folder: for tests, benchmarks and trying `--db postgresql://`
without administering a server. Uses the installed PostgreSQL binaries (Debian's package puts them
in /usr/lib/postgresql/<version>/bin) and listens on a Unix socket only, so no port can clash.
PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` system user.
Ours, not pytest-postgresql: its 10.0.0 runs pg_ctl as the caller and, as root (how CI runs here),
fails with "pg_ctl: cannot be run as root" (tried 2026-12-02); this is also what the benches use.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from toolchain.aggregator.errors import AggregatorError

DATABASE = "aggregator"
SOCKET_PORT = 5432  # only names the socket file: no TCP listener is opened


@dataclass
class TempPostgres:
    url: str
    base_dir: Path
    _pg_ctl: list[str]

    def start(self) -> None:
        options = f"-k {self.base_dir / 'socket'} -p {SOCKET_PORT} -c listen_addresses='' -c max_connections=200"
        _run([*self._pg_ctl, "-D", str(self.base_dir / "data"), "-o", options, "-l", str(self.base_dir / "server.log"),
              "-w", "-t", "60", "start"], "pg_ctl start")

    def stop(self) -> None:
        subprocess.run([*self._pg_ctl, "-D", str(self.base_dir / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)


def find_postgres_bin() -> Path:
    if found := shutil.which("initdb"):
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if not candidates:
        raise AggregatorError("no PostgreSQL server binaries (initdb) found: install the 'postgresql' package")
    return Path(candidates[-1]).parent


def start_temp_postgres(base_dir: Path, password: str | None = None) -> TempPostgres:
    """initdb + start a cluster under `base_dir`, create database 'aggregator'. As root, every parent
    of `base_dir` must be traversable by the postgres user (a fresh folder in /tmp is).
    With `password`, user postgres must give it (scram-sha-256); its URL then holds no password:
    the caller supplies it, as a real deployment would. Without it, local connections are trusted."""
    bin_dir = find_postgres_bin()
    run_as, owner = _runner()
    base_dir.mkdir(parents=True, exist_ok=True)
    data_dir, socket_dir = base_dir / "data", base_dir / "socket"
    socket_dir.mkdir(exist_ok=True)
    if owner is not None:
        os.chown(base_dir, owner.pw_uid, owner.pw_gid)
        os.chown(socket_dir, owner.pw_uid, owner.pw_gid)
    auth = ["-A", "trust"]
    if password is not None:
        password_file = base_dir / "initdb-password"
        with os.fdopen(os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
            file.write(password + "\n")
        if owner is not None:
            os.chown(password_file, owner.pw_uid, owner.pw_gid)
        auth = ["-A", "scram-sha-256", f"--pwfile={password_file}"]
    try:
        _run([*run_as, str(bin_dir / "initdb"), "-D", str(data_dir), *auth, "-U", "postgres",
              "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
    finally:
        if password is not None:
            password_file.unlink()
    cluster = TempPostgres(f"postgresql://postgres@/{DATABASE}?host={socket_dir}&port={SOCKET_PORT}",
                           base_dir, [*run_as, str(bin_dir / "pg_ctl")])
    cluster.start()
    try:
        _create_database(socket_dir, password)
    except Exception:
        cluster.stop()
        raise
    return cluster


def _runner() -> tuple[list[str], pwd.struct_passwd | None]:
    if os.geteuid() != 0:
        return [], None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise AggregatorError("running as root and there is no 'postgres' user to run PostgreSQL as") from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise AggregatorError("running as root and 'runuser' is missing: cannot drop to the postgres user")
    return [runuser, "-u", "postgres", "--"], owner


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AggregatorError(f"{what} failed: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise AggregatorError(f"{what} failed: {detail[-1] if detail else f'exit code {done.returncode}'}")


def _create_database(socket_dir: Path, password: str | None) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@/postgres?host={socket_dir}&port={SOCKET_PORT}",
                         password=password, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {DATABASE}")
