"""The aggregator as a security reviewer tries it: private store files, commands that must not create
stores, secrets kept out of argv, answers that leak nothing, Host-header checks against DNS
rebinding, one error shape everywhere, revocation and rotation that act at once in every running
process, and a wire format that does not coerce types."""
from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from aggregator_support import add_device, batch, post_batch, run_cli, start_server
from tests.conftest import require
from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.pgcluster import start_temp_postgres
from toolchain.cli import main

PG_PASSWORD = "pg-s3cret-4-fleet"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """Two service processes on one SQLite store, like two workers behind one proxy."""
    db = str(tmp_path_factory.mktemp("secure") / "fleet.db")
    tokens = {name: add_device(db, name) for name in ("sec-a", "sec-b", "sec-c")}
    servers = [start_server(db), start_server(db)]
    yield servers, db, tokens
    for server in servers:
        server.stop()


def test_store_files_are_private(service):
    servers, db, tokens = service
    assert post_batch(servers[0].url, tokens["sec-a"], batch("sec-a", "modes", range(3))).status_code == 200
    for suffix in ("", "-wal", "-shm"):
        assert stat.S_IMODE(os.stat(db + suffix).st_mode) == 0o600, suffix


def test_an_existing_world_readable_store_is_tightened(tmp_path):
    db = tmp_path / "loose.db"
    add_device(str(db), "loose")
    db.chmod(0o644)
    run_cli("aggregator", "stats", "--db", str(db))
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@pytest.mark.parametrize("command", [["stats"], ["export", "--disagreements", "-o", "{tmp}/out.npz"],
                                     ["revoke-device", "x"], ["rotate-token", "x"]])
def test_reading_commands_never_create_a_store(tmp_path, command):
    typo = tmp_path / "typo.db"
    done = run_cli("aggregator", *(part.format(tmp=tmp_path) for part in command), "--db", str(typo), check=False)
    assert done.returncode == 2
    assert done.stderr == f"error: no aggregator database at {typo} (a reading command never creates one)\n"
    assert not typo.exists() and not (tmp_path / "out.npz").exists()


def test_serve_on_a_missing_folder_is_one_line_and_creates_nothing(tmp_path):
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    done = run_cli("aggregator", "serve", "--db", str(missing), "--port", "0", check=False)
    assert done.returncode == 2
    assert done.stderr == f"error: the database folder {missing.parent} does not exist\n"
    assert not (tmp_path / "nonexistent").exists()


def test_a_password_on_the_command_line_is_warned_about_and_never_echoed():
    done = run_cli("aggregator", "stats", "--db", "postgresql://fleet:s3cret-pw@/x?host=/nonexistent-socket-dir",
                   check=False)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith("warning: the password in --db is visible to every local user (ps)")
    assert lines[1].startswith("error: cannot connect to PostgreSQL")
    assert "s3cret-pw" not in done.stderr


@pytest.fixture
def password_postgres():
    """A PostgreSQL server that insists on a password (scram-sha-256), as a shared one would."""
    base = Path(tempfile.mkdtemp(prefix="tl-agg-pgpw-"))  # directly in /tmp: the postgres user can reach it
    try:
        cluster = start_temp_postgres(base, password=PG_PASSWORD)
    except AggregatorError as exc:
        shutil.rmtree(base, ignore_errors=True)
        require(False, f"cannot start a local PostgreSQL server (scripts/setup.sh installs it): {exc}")
    yield cluster
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)


def _argv(pid: int) -> str:
    """What `ps` shows every local user: the process's command line."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_a_database_password_reaches_serve_without_being_in_its_argv(password_postgres, tmp_path):
    url = password_postgres.url.replace("postgresql://postgres@", f"postgresql://postgres:{PG_PASSWORD}@")
    without = run_cli("aggregator", "stats", "--db", password_postgres.url, check=False)
    assert without.returncode == 2 and "no password supplied" in without.stderr  # the server does ask for it
    db_file = tmp_path / "db-url"
    db_file.write_text(url + "\n")
    db_file.chmod(0o600)
    token = run_cli("aggregator", "add-device", "pw-a", "--db-file", str(db_file)).stdout.strip().splitlines()[-1]
    servers = [start_server(None, "--db-file", str(db_file)),
               start_server(None, env={"TINYLARGE_AGGREGATOR_DB": url})]
    try:
        for number, server in enumerate(servers):
            stored = post_batch(server.url, token, batch("pw-a", f"s{number}", range(5)))
            assert stored.status_code == 200 and stored.json()["accepted"] == 5  # it did log in
            argv = _argv(server.process.pid)
            assert "aggregator serve" in argv and PG_PASSWORD not in argv
    finally:
        for server in servers:
            server.stop()
    stats = run_cli("aggregator", "stats", "--db-file", str(db_file))
    assert '"results": 10' in stats.stdout and stats.stderr == ""
    both = run_cli("aggregator", "stats", "--db", url, "--db-file", str(db_file), check=False)
    assert both.returncode == 2 and "give --db or --db-file, not both" in both.stderr


def test_hil_token_comes_from_a_file_or_the_environment_and_argv_is_warned_about(tmp_path, monkeypatch):
    """The token reaches the run options without ever being in argv (the project folder is
    missing, so the run stops right after the options were read); a token on argv gets a warning."""
    import hil.runner

    seen = []

    def capture(directory, options, progress=None):
        seen.append(options.token)
        raise hil.runner.ToolchainError("stop here")

    monkeypatch.setattr(hil.runner, "run_project", capture)
    token_file = tmp_path / "token"
    token_file.write_text("tok-from-file\n")
    runner = CliRunner()
    from_file = runner.invoke(main, ["hil", "run", str(tmp_path), "--aggregator", "http://127.0.0.1:1",
                                     "--token-file", str(token_file)])
    from_env = runner.invoke(main, ["hil", "run", str(tmp_path), "--aggregator", "http://127.0.0.1:1"],
                             env={"TINYLARGE_AGGREGATOR_TOKEN": "tok-from-env"})
    on_argv = runner.invoke(main, ["hil", "run", str(tmp_path), "--aggregator", "http://127.0.0.1:1",
                                   "--token", "tok-on-argv"])
    assert seen == ["tok-from-file", "tok-from-env", "tok-on-argv"]
    assert "warning" not in from_file.stderr and "warning" not in from_env.stderr
    assert on_argv.stderr.startswith("warning: the --token value is visible to every local user (ps)")


def test_health_tells_nothing_about_the_store_or_the_teacher(service):
    servers, db, _ = service
    health = httpx.get(f"{servers[0].url}/v1/health")
    assert health.json() == {"status": "ok", "schema_version": 2}
    assert "fleet.db" not in health.text


def test_403_does_not_name_the_device_that_owns_the_token(service):
    servers, _, tokens = service
    forbidden = post_batch(servers[0].url, tokens["sec-b"], batch("sec-a", "spoof", [0]))
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "this token does not speak for device 'sec-a'"}
    assert "sec-b" not in forbidden.text


def _raw_get(url: str, host_header: str, path: str = "/v1/stats") -> tuple[int, bytes]:
    """A request with a Host header as a rebound DNS name would send it."""
    hostport = url.removeprefix("http://")
    host, port = hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_a_foreign_host_header_is_refused(service):
    servers, _, _ = service
    port = servers[0].url.rsplit(":", 1)[1]
    status, body = _raw_get(servers[0].url, f"attacker.example:{port}")
    assert status == 400
    assert body == b'{"error":"Host header \'attacker.example\' is not allowed (serve --allowed-host NAME)"}'
    for allowed in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST"):
        assert _raw_get(servers[0].url, allowed)[0] == 200


def test_an_allowed_host_is_configurable(tmp_path):
    db = str(tmp_path / "hosts.db")
    add_device(db, "h")
    server = start_server(db, "--allowed-host", "fleet.example")
    try:
        assert _raw_get(server.url, "fleet.example:8700")[0] == 200
        assert _raw_get(server.url, "other.example")[0] == 400
    finally:
        server.stop()


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/v1/results", 405), ("DELETE", "/v1/stats", 405), ("GET", "/v1/nothing", 404),
    ("GET", "/dashboard/nothing.js", 404)])
def test_every_error_has_the_documented_shape(service, method, path, status):
    servers, _, _ = service
    response = httpx.request(method, f"{servers[0].url}{path}")
    assert response.status_code == status
    assert set(response.json()) == {"error"} and response.json()["error"]


def test_revoke_and_rotate_act_at_once_in_every_running_process(service):
    servers, db, tokens = service
    for server in servers:  # both processes have seen (and formerly cached) the token
        assert post_batch(server.url, tokens["sec-c"], batch("sec-c", "before", [0])).status_code == 200
    assert run_cli("aggregator", "revoke-device", "sec-c", "--db", db).stdout.startswith("device sec-c revoked")
    for server in servers:
        refused = post_batch(server.url, tokens["sec-c"], batch("sec-c", "after", [1]))
        assert refused.status_code == 401 and refused.json() == {"error": "unknown or revoked token"}
    new_token = run_cli("aggregator", "rotate-token", "sec-c", "--db", db).stdout.strip().splitlines()[-1]
    assert new_token != tokens["sec-c"] and len(new_token) >= 40
    for server in servers:
        assert post_batch(server.url, tokens["sec-c"], batch("sec-c", "after", [1])).status_code == 401
        assert post_batch(server.url, new_token, batch("sec-c", "after", [1])).status_code == 200
    unknown = run_cli("aggregator", "revoke-device", "nobody", "--db", db, check=False)
    assert unknown.returncode == 2 and unknown.stderr == "error: no device named 'nobody'\n"


@pytest.mark.parametrize("field, value", [
    ("seq", "3"), ("seq", 3.0), ("seq", True), ("label", True), ("label", "1"), ("latency_cycles", "1000"),
    ("output", [True, 0.5]), ("output", ["0.5", 0.5])])
def test_the_wire_format_does_not_coerce_types(service, field, value):
    servers, _, tokens = service
    body = batch("sec-a", "strict", [0])
    body["results"][0][field] = value
    response = post_batch(servers[0].url, tokens["sec-a"], body)
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith(f"results.0.{field}")


def test_quantization_is_strict_too(service):
    servers, _, tokens = service
    body = batch("sec-a", "strict", [0], output_quant={"scale": 0.5, "zero_point": "3"})
    response = post_batch(servers[0].url, tokens["sec-a"], body)
    assert response.status_code == 422 and response.json()["error"].startswith("output_quant.zero_point")
    body["output_quant"]["zero_point"] = 3
    assert post_batch(servers[0].url, tokens["sec-a"], body).status_code == 200  # a float field takes 1 or 1.0
