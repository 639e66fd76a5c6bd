"""The aggregator service over real HTTP: a `tinylarge aggregator serve` process on localhost with
a SQLite store. Auth, exactly-once ingest under concurrent retries, validation, stats."""
from __future__ import annotations

import json
import sqlite3
import threading

import httpx
import pytest

from aggregator_support import add_device, batch, post_batch, run_cli, start_server, stored_seqs


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("aggregator") / "fleet.db")
    tokens = {name: add_device(db, name) for name in ("dev-a", "dev-b", "dev-quiet")}
    server = start_server(db, "--max-body-bytes", "65536")
    yield server, db, tokens
    server.stop()


def _count_rows(db: str, device: str, session: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM results WHERE device = ? AND session = ?",
                                  (device, session)).fetchone()[0]


def test_add_device_prints_token_last_and_stores_only_its_hash(service):
    _, db, tokens = service
    with sqlite3.connect(db) as connection:
        stored = dict(connection.execute("SELECT name, token_hash FROM devices").fetchall())
    assert set(stored) == {"dev-a", "dev-b", "dev-quiet"}
    assert tokens["dev-a"] not in stored.values()
    assert len(stored["dev-a"]) == 64 and len(tokens["dev-a"]) >= 40
    again = run_cli("aggregator", "add-device", "dev-a", "--db", db, check=False)
    assert again.returncode == 2 and again.stderr.strip() == "error: device 'dev-a' already exists"


def test_missing_or_unknown_token_is_401_and_other_device_is_403(service):
    server, db, tokens = service
    body = batch("dev-a", "auth", [0])
    assert post_batch(server.url, None, body).status_code == 401
    unknown = post_batch(server.url, "not-a-token", body)
    assert unknown.status_code == 401 and unknown.headers["www-authenticate"] == "Bearer"
    assert httpx.post(f"{server.url}/v1/results", json=body,
                      headers={"Authorization": f"Basic {tokens['dev-a']}"}).status_code == 401
    forbidden = post_batch(server.url, tokens["dev-b"], body)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == "this token does not speak for device 'dev-a'"
    assert _count_rows(db, "dev-a", "auth") == 0
    accepted = post_batch(server.url, tokens["dev-a"], body)
    assert accepted.status_code == 200 and accepted.json() == {"accepted": 1, "duplicates": 0, "escalated": 0}
    seqs = httpx.get(f"{server.url}/v1/sessions/dev-a/auth/seqs", headers={"Authorization": f"Bearer {tokens['dev-b']}"})
    assert seqs.status_code == 403


def test_concurrent_retries_of_the_same_batch_store_each_result_once(service):
    server, db, tokens = service
    body = json.dumps(batch("dev-a", "retry-storm", range(200))).encode()
    answers, barrier = [], threading.Barrier(12)

    def sender():
        barrier.wait()  # all twelve "retries" hit the service at the same moment
        answers.append(post_batch(server.url, tokens["dev-a"], body).json())

    threads = [threading.Thread(target=sender) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12
    assert sum(a["accepted"] for a in answers) == 200
    assert sum(a["duplicates"] for a in answers) == 11 * 200
    assert stored_seqs(server.url, tokens["dev-a"], "dev-a", "retry-storm") == list(range(200))
    assert _count_rows(db, "dev-a", "retry-storm") == 200


def test_overlapping_batches_keep_the_first_copy_of_each_seq(service):
    server, db, tokens = service
    first = post_batch(server.url, tokens["dev-b"], batch("dev-b", "overlap", range(0, 10))).json()
    second = post_batch(server.url, tokens["dev-b"], batch("dev-b", "overlap", range(5, 15))).json()
    assert first["accepted"] == 10 and second == {"accepted": 5, "duplicates": 5, "escalated": 0}
    assert stored_seqs(server.url, tokens["dev-b"], "dev-b", "overlap") == list(range(15))


@pytest.mark.parametrize("body, reason", [
    (b'{"device": "dev-a", "session": "bad", "results": [', "Invalid JSON"),
    (b"[]", "body"),
    ({"device": "dev-a", "session": "bad", "results": []}, "results: List should have at least 1 item"),
    ({"device": "dev-a", "session": "bad", "results": [{"seq": 0}]}, "results.0.output: Field required"),
    ({"device": "dev-a", "session": "bad", "results": [{"seq": 0, "output": [1]}, {"seq": -1, "output": [1]}]},
     "results.1.seq"),
    ({"device": "dev-a", "session": "bad", "results": [{"seq": 0, "output": ["x"]}]}, "results.0.output.0"),
    ({"device": "dev-a", "session": "bad", "results": [{"seq": 0, "output": [1], "extra": 1}]}, "results.0.extra"),
    ({"device": "dev-a", "session": "bad", "results": [{"seq": 3, "output": [1]}, {"seq": 3, "output": [1]}]},
     "seq values repeat"),
    ({"device": "dev-a", "session": "bad", "results": [{"seq": 0, "output": [1]}],
      "output_quant": {"scale": 0, "zero_point": 0}}, "output_quant.scale"),
    (b'{"device": "dev-a", "session": "bad", "results": [{"seq": 0, "output": [NaN]}]}', "results.0.output"),
])
def test_malformed_batches_get_422_with_a_reason_and_store_nothing(service, body, reason):
    server, db, tokens = service
    response = post_batch(server.url, tokens["dev-a"], body)
    assert response.status_code == 422
    assert reason in response.json()["error"]
    assert _count_rows(db, "dev-a", "bad") == 0


def test_a_valid_prefix_of_a_bad_batch_is_not_stored(service):
    server, db, tokens = service
    body = batch("dev-a", "half-bad", range(50))
    body["results"][49]["latency_cycles"] = -5
    response = post_batch(server.url, tokens["dev-a"], body)
    assert response.status_code == 422 and response.json()["error"].startswith("results.49.latency_cycles")
    assert _count_rows(db, "dev-a", "half-bad") == 0


def test_oversized_body_gets_413_and_stores_nothing(service):
    server, db, tokens = service
    body = batch("dev-a", "huge", range(1))
    body["results"][0]["input"] = [0.123456789] * 8000  # ~100 KB, over the 64 KiB limit of this server
    response = post_batch(server.url, tokens["dev-a"], body)
    assert response.status_code == 413 and "over the limit of 65536 bytes" in response.json()["error"]
    chunked = httpx.post(f"{server.url}/v1/results", content=iter([json.dumps(body).encode()]),
                         headers={"Authorization": f"Bearer {tokens['dev-a']}"})  # no Content-Length
    assert chunked.status_code == 413
    assert _count_rows(db, "dev-a", "huge") == 0


def test_stats_count_results_per_device(service):
    server, _, tokens = service
    post_batch(server.url, tokens["dev-b"], batch("dev-b", "stats", range(7)))
    stats = httpx.get(f"{server.url}/v1/stats").json()
    expected = {name: len(sum((stored_seqs(server.url, tokens[name], name, s) for s in sessions), []))
                for name, sessions in {"dev-a": ["auth", "retry-storm"], "dev-b": ["overlap", "stats"]}.items()}
    assert stats["per_device"] == {"dev-a": expected["dev-a"], "dev-b": expected["dev-b"], "dev-quiet": 0}
    assert stats["results"] == expected["dev-a"] + expected["dev-b"] == 1 + 200 + 15 + 7
    quiet = next(d for d in stats["devices"] if d["name"] == "dev-quiet")
    assert quiet["last_seen"] is None and quiet["results"] == 0
    dev_b = next(d for d in stats["devices"] if d["name"] == "dev-b")
    assert dev_b["labelled"] == 22 and dev_b["accuracy"] == 1.0  # output [0.25, 0.75] -> class 1 == label
    assert dev_b["latency_cycles_max"] == 1014
    assert sum(b["results"] for b in stats["timeline"]["buckets"]) == stats["results"]
    assert sum(stats["latency_histogram"]["counts"]) == stats["results"]
    assert stats["teacher"] is None and stats["offload_rate"] == 0.0


def test_cli_stats_reads_the_same_store(service):
    _, db, _ = service
    stats = json.loads(run_cli("aggregator", "stats", "--db", db).stdout)
    assert stats["per_device"]["dev-a"] == 201


def test_bad_settings_fail_with_one_line(tmp_path):
    bad_url = run_cli("aggregator", "serve", "--db", "mysql://x/y", check=False)
    assert bad_url.returncode == 2 and bad_url.stderr.startswith("error: unsupported database URL")
    missing = run_cli("aggregator", "serve", "--db", str(tmp_path / "a.db"), "--teacher",
                      str(tmp_path / "nope.tflite"), check=False)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"\x00" * 64)
    garbage = run_cli("aggregator", "serve", "--db", str(tmp_path / "a.db"), "--teacher", str(broken), check=False)
    assert garbage.returncode == 2 and "not a TensorFlow Lite flatbuffer" in garbage.stderr
    assert len(garbage.stderr.strip().splitlines()) == 1
    not_db = tmp_path / "not.db"
    not_db.write_text("hello, this is not a database" * 100)
    unusable = run_cli("aggregator", "stats", "--db", str(not_db), check=False)
    assert unusable.returncode == 2
    assert unusable.stderr == f"error: cannot open SQLite database {not_db}: file is not a database\n"


def test_migrations_are_recorded_and_a_newer_schema_is_refused(tmp_path):
    from toolchain.aggregator.errors import AggregatorError
    from toolchain.aggregator.store import open_store

    db = tmp_path / "versions.db"
    open_store(str(db)).close()
    open_store(f"sqlite://{db}").close()  # reopening applies nothing twice
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT version, description FROM schema_migrations").fetchall() == [
            (1, "devices and results"), (2, "device revocation")]
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        connection.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)")
    with pytest.raises(AggregatorError, match="schema is version 99, newer than this tinylarge knows"):
        open_store(str(db))
