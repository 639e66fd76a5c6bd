"""The PostgreSQL store, against a real PostgreSQL server this module starts itself (Debian's
postgresql binaries, Unix socket only), shared by two aggregator instances at once."""
from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import httpx
import numpy as np
import psycopg
import pytest

from aggregator_support import (add_device, batch, build_fc_softmax_teacher, post_batch, run_cli, start_server,
                                stored_seqs)
from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.pgcluster import start_temp_postgres
from tests.conftest import require


@pytest.fixture(scope="module")
def postgres():
    base = Path(tempfile.mkdtemp(prefix="tl-agg-pg-"))  # directly in /tmp: the postgres user can reach it
    try:
        cluster = start_temp_postgres(base)
    except AggregatorError as exc:
        shutil.rmtree(base, ignore_errors=True)
        require(False, f"cannot start a local PostgreSQL server (scripts/setup.sh installs it): {exc}")
    yield cluster
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def two_instances(postgres, tmp_path_factory):
    """Two services started at the same moment on one database (the migration runs once)."""
    teacher = tmp_path_factory.mktemp("pg") / "teacher.tflite"
    teacher.write_bytes(build_fc_softmax_teacher(np.eye(3, 4, dtype=np.float32), np.zeros(3, np.float32)))
    servers = [None, None]

    def launch(index):
        servers[index] = start_server(postgres.url, "--teacher", str(teacher))

    launchers = [threading.Thread(target=launch, args=(i,)) for i in range(2)]
    for thread in launchers:
        thread.start()
    for thread in launchers:
        thread.join()
    tokens = {name: add_device(postgres.url, name) for name in ("pg-a", "pg-b")}
    yield servers, tokens
    for server in servers:
        server.stop()


def test_one_schema_version_recorded_once(postgres, two_instances):
    with psycopg.connect(postgres.url) as connection:
        versions = connection.execute("SELECT version FROM schema_migrations").fetchall()
        tables = {row[0] for row in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    assert versions == [(1,), (2,)]
    assert {"devices", "results", "schema_migrations"} <= tables
    health = httpx.get(f"{two_instances[0][0].url}/v1/health").json()
    assert health == {"status": "ok", "schema_version": 2}


def test_retries_spread_over_two_instances_store_each_result_once(two_instances):
    servers, tokens = two_instances
    body = batch("pg-a", "storm", range(300))
    answers, barrier = [], threading.Barrier(10)

    def sender(index):
        barrier.wait()
        answers.append(post_batch(servers[index % 2].url, tokens["pg-a"], body).json())

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(a["accepted"] for a in answers) == 300 and sum(a["duplicates"] for a in answers) == 9 * 300
    for server in servers:
        assert stored_seqs(server.url, tokens["pg-a"], "pg-a", "storm") == list(range(300))
    assert post_batch(servers[1].url, tokens["pg-b"], body).status_code == 403
    assert post_batch(servers[1].url, "nope", body).status_code == 401


def test_escalation_stats_and_export_on_postgres(postgres, two_instances, tmp_path):
    servers, tokens = two_instances
    body = {"device": "pg-b", "session": "cascade", "results": [
        {"seq": 0, "output": [0.4, 0.3, 0.3], "input": [0, 0, 2, 0], "label": 2, "latency_cycles": 700},
        {"seq": 1, "output": [0.1, 0.8, 0.1], "input": [0, 0, 2, 0], "latency_cycles": 900}]}
    assert post_batch(servers[0].url, tokens["pg-b"], body).json() == {"accepted": 2, "duplicates": 0, "escalated": 1}
    stats = httpx.get(f"{servers[1].url}/v1/stats").json()
    device = next(d for d in stats["devices"] if d["name"] == "pg-b")
    assert device["results"] == 2 and device["escalated"] == 1 and device["agreement"] == 0.0
    assert device["accuracy"] == 0.0 and device["latency_cycles_mean"] == 800.0
    assert stats["per_device"]["pg-a"] == 300 and stats["escalated"] == 1 and stats["disagreements"] == 1
    assert sum(b["results"] for b in stats["timeline"]["buckets"]) == stats["results"]
    out = tmp_path / "hard.npz"
    run_cli("aggregator", "export", "--disagreements", "-o", str(out), "--db", postgres.url)
    with np.load(out) as hard:
        np.testing.assert_array_equal(hard["x"], [[0, 0, 2, 0]])
        np.testing.assert_array_equal(hard["y"], [2])


def test_database_outage_answers_503_then_recovers(postgres, two_instances):
    servers, tokens = two_instances
    postgres.stop()
    try:
        down = post_batch(servers[0].url, tokens["pg-a"], batch("pg-a", "outage", range(5)))
        assert down.status_code == 503 and down.headers["retry-after"] == "1"
        # the libpq message goes to the service's log, never to the (unauthenticated) client
        assert down.json() == {"error": "the store is unavailable, retry later"}
        health = httpx.get(f"{servers[1].url}/v1/health")
        assert health.status_code == 503 and health.json() == {"error": "the store is unavailable, retry later"}
    finally:
        postgres.start()
    # the failure made every worker thread drop its connection: the first request after works
    response = post_batch(servers[0].url, tokens["pg-a"], batch("pg-a", "outage", range(5)))
    assert response.status_code == 200 and response.json()["accepted"] == 5
    assert stored_seqs(servers[0].url, tokens["pg-a"], "pg-a", "outage") == list(range(5))
