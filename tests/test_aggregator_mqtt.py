"""MQTT ingest through a real Mosquitto broker the tests start on loopback (TLS with a CA made here,
per-device logins, an ACL per device topic): the gateway command and the HIL streamer publish, two
`aggregator serve --mqtt` processes share the traffic, and nothing is lost or stored twice across
a broker restart and a `kill -9` of one aggregator."""
from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import threading
import time

import httpx
import pytest

from aggregator_support import TINYLARGE, Server, add_device, run_cli
from hil.streamer import ResultStreamer
from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.mosquitto import start_temp_mosquitto
from toolchain.aggregator.mqtt import AGGREGATOR_USER, MqttNotDelivered, MqttPublisher, MqttRefused, parse_mqtt_url
from tests.conftest import require

AGGREGATOR_PASSWORD = "aggregator-secret"
DEVICES = ("m-a", "m-b", "m-c", "m-d")
DEADLINE_SECONDS = 90


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    base = tmp_path_factory.mktemp("mqtt")
    db = str(base / "fleet.db")
    tokens = {name: add_device(db, name) for name in DEVICES}
    try:
        broker = start_temp_mosquitto(base / "broker", {**tokens, AGGREGATOR_USER: AGGREGATOR_PASSWORD})
    except AggregatorError as exc:
        require(False, f"cannot start mosquitto (scripts/setup.sh installs it): {exc}")
    yield broker, db, tokens
    broker.stop()


def start_mqtt_server(broker, db: str, client_id: str) -> Server:
    """`serve --mqtt` with the aggregator's password in the environment, never in argv."""
    process = subprocess.Popen(
        [*TINYLARGE, "aggregator", "serve", "--db", db, "--port", "0",
         "--mqtt", f"mqtts://{AGGREGATOR_USER}@127.0.0.1:{broker.port}", "--mqtt-ca", str(broker.ca_file),
         "--mqtt-client-id", client_id],
        env={**os.environ, "TINYLARGE_MQTT_PASSWORD": AGGREGATOR_PASSWORD},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("aggregator listening on "):
        process.kill()
        raise AssertionError(f"server did not start: {line!r} {process.stderr.read()}")
    return Server(url=line.split()[-1], process=process)


def publisher(broker, device: str, password: str) -> MqttPublisher:
    settings = parse_mqtt_url(broker.url, password=password, ca_file=str(broker.ca_file))
    return MqttPublisher(dataclasses.replace(settings, username=device), device)


def body(device: str, session: str, seqs) -> bytes:
    return json.dumps({"device": device, "session": session, "results": [
        {"seq": s, "output": [0.25, 0.75], "label": 1, "latency_cycles": 500 + s} for s in seqs]}).encode()


def stored(db: str, device: str, session: str) -> list[int]:
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute(
            "SELECT seq FROM results WHERE device = ? AND session = ? ORDER BY seq", (device, session))]


def wait_for(db: str, device: str, session: str, count: int) -> list[int]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        seqs = stored(db, device, session)
        if len(seqs) >= count:
            return seqs
        time.sleep(0.1)
    return stored(db, device, session)


@pytest.fixture(scope="module")
def aggregators(fleet):
    broker, db, _ = fleet
    servers = [start_mqtt_server(broker, db, "agg-1"), start_mqtt_server(broker, db, "agg-2")]
    yield servers
    for server in servers:
        server.stop()


def test_gateway_publishes_and_a_replay_is_stored_once(fleet, aggregators, tmp_path):
    broker, db, tokens = fleet
    lines = "".join(json.dumps({"seq": i, "output": [0.1, 0.9], "label": 1}) + "\n" for i in range(300))
    for attempt in range(2):  # the second run replays everything: duplicates, stored once
        done = subprocess.run(
            [*TINYLARGE, "aggregator", "gateway", "--mqtt", broker.url, "--mqtt-ca", str(broker.ca_file),
             "--device", "m-a", "--session", "gw", "--spool", str(tmp_path / f"spool{attempt}.db")],
            input=lines, capture_output=True, text=True, timeout=120,
            env={**os.environ, "TINYLARGE_MQTT_PASSWORD": tokens["m-a"]})
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "published 300 of 300 results for m-a; still spooled 0"
    time.sleep(1)  # both replays were acknowledged by the broker; let the aggregators store them
    assert wait_for(db, "m-a", "gw", 300) == list(range(300))
    counters = [httpx.get(f"{s.url}/v1/stats").json()["mqtt"] for s in aggregators]
    assert sum(c["stored_batches"] for c in counters) == 6 and sum(c["rejected"] for c in counters) == 0


def test_the_hil_streamer_publishes_over_mqtt(fleet, aggregators, tmp_path):
    broker, db, tokens = fleet
    with ResultStreamer(broker.url, tokens["m-b"], "m-b", "hil", tmp_path / "spool.db", batch_size=40,
                        mqtt_ca=str(broker.ca_file)) as streamer:
        for i in range(100):
            streamer.send({"output": [0.3, 0.7], "latency_cycles": 1000 + i})
    assert wait_for(db, "m-b", "hil", 100) == list(range(100))


def test_a_device_cannot_publish_as_another_and_rejections_are_counted(fleet, aggregators):
    broker, db, tokens = fleet
    before = sum(httpx.get(f"{s.url}/v1/stats").json()["mqtt"]["rejected"] for s in aggregators)
    intruder = publisher(broker, "m-c", tokens["m-c"])
    try:
        intruder.topic = "tinylarge/m-a/results"  # the ACL: m-c may publish to its own topic only
        with pytest.raises(MqttRefused, match="Not authorized"):
            intruder.publish(body("m-a", "spoof", [0]), timeout=10)
        intruder.topic = "tinylarge/m-c/results"  # its own topic, but a batch claiming to be m-a
        intruder.publish(body("m-a", "spoof", [0]), timeout=10)
        intruder.publish(b'{"device": "m-c", "session": "bad", "results": [{"seq": "1", "output": [1]}]}', 10)
    finally:
        intruder.close()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        after = sum(httpx.get(f"{s.url}/v1/stats").json()["mqtt"]["rejected"] for s in aggregators)
        if after >= before + 2:
            break
        time.sleep(0.1)
    assert after == before + 2
    assert stored(db, "m-a", "spoof") == [] and stored(db, "m-c", "bad") == []


def test_a_revoked_device_is_rejected_over_mqtt_too(fleet, aggregators):
    broker, db, tokens = fleet
    run_cli("aggregator", "revoke-device", "m-d", "--db", db)
    try:
        device = publisher(broker, "m-d", tokens["m-d"])  # the broker still knows its password
        device.publish(body("m-d", "revoked", range(5)), timeout=10)
        device.close()
        time.sleep(2)
        assert stored(db, "m-d", "revoked") == []
    finally:
        new_token = run_cli("aggregator", "rotate-token", "m-d", "--db", db).stdout.strip().splitlines()[-1]
        broker.add_users({"m-d": new_token})
        tokens["m-d"] = new_token


def test_wrong_credentials_and_plain_mqtt_are_refused(fleet, tmp_path):
    broker, db, tokens = fleet
    with pytest.raises(MqttRefused, match="Not authorized|Bad user name or password"):
        publisher(broker, "m-a", "wrong-password")
    done = subprocess.run([*TINYLARGE, "aggregator", "serve", "--db", db, "--port", "0",
                           "--mqtt", f"mqtt://{AGGREGATOR_USER}@127.0.0.1:{broker.port}"],
                          env={**os.environ, "TINYLARGE_MQTT_PASSWORD": AGGREGATOR_PASSWORD},
                          capture_output=True, text=True, timeout=60)  # no TLS against a TLS-only listener
    assert done.returncode == 2 and done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1
    in_url = run_cli("aggregator", "serve", "--db", db, "--mqtt", "mqtts://u:pw@127.0.0.1:1", check=False)
    assert in_url.returncode == 2
    assert in_url.stderr == ("error: put the MQTT password in $TINYLARGE_MQTT_PASSWORD or a password file, "
                             "not in the URL\n")


def test_a_publish_no_aggregator_subscribed_to_stays_spooled_until_one_is(tmp_path):
    """With no aggregator subscribed (a new broker here; a restarted Mosquitto 2.0 until the
    aggregators subscribe again) the broker acknowledges with "No matching subscribers" and drops
    the message: the publisher must keep it, and it is stored once an aggregator subscribes."""
    db = str(tmp_path / "late.db")
    token = add_device(db, "m-late")
    try:
        broker = start_temp_mosquitto(tmp_path / "broker", {"m-late": token, AGGREGATOR_USER: AGGREGATOR_PASSWORD})
    except AggregatorError as exc:
        require(False, f"cannot start mosquitto (scripts/setup.sh installs it): {exc}")
    try:
        device = publisher(broker, "m-late", token)
        with pytest.raises(MqttNotDelivered, match="no aggregator is subscribed to tinylarge/m-late/results"):
            device.publish(body("m-late", "late", [0]), timeout=10)
        device.close()
        with ResultStreamer(broker.url, token, "m-late", "late", tmp_path / "spool.db", batch_size=10, max_attempts=1,
                            mqtt_ca=str(broker.ca_file)) as streamer:
            for i in range(25):
                streamer.send({"output": [0.3, 0.7]})
            assert streamer.flush().pending == 25  # not one result left the spool
            server = start_mqtt_server(broker, db, "agg-late")
            try:
                assert streamer.flush().pending == 0
                assert wait_for(db, "m-late", "late", 25) == list(range(25))
            finally:
                server.stop()
    finally:
        broker.stop()


def test_broker_restart_and_aggregator_kill_9_lose_nothing_and_duplicate_nothing(fleet, aggregators):
    broker, db, tokens = fleet
    batches, size = 60, 20
    progress = {device: 0 for device in ("m-a", "m-b", "m-c")}
    errors = []

    def device_loop(device: str) -> None:
        client = publisher(broker, device, tokens[device])
        try:
            for n in range(batches):
                while True:  # a device retries until the broker acknowledges (a late copy is harmless)
                    try:
                        client.publish(body(device, "chaos", range(n * size, (n + 1) * size)), timeout=5)
                        break
                    except TimeoutError:
                        continue
                    except MqttNotDelivered:  # the restarted broker has no aggregator subscription yet
                        time.sleep(0.1)
                progress[device] = n + 1
                time.sleep(0.01)
        except Exception as exc:  # surfaced below: a thread must not fail silently
            errors.append(f"{device}: {exc!r}")
        finally:
            client.close()

    threads = [threading.Thread(target=device_loop, args=(d,)) for d in progress]
    for thread in threads:
        thread.start()
    _wait_until(lambda: min(progress.values()) >= batches // 4)
    broker.restart()  # SIGTERM + start: queued and unacknowledged messages survive in its persistence
    _wait_until(lambda: min(progress.values()) >= batches // 2)
    aggregators[0].kill()  # SIGKILL while messages stream in
    _wait_until(lambda: min(progress.values()) >= 3 * batches // 4)
    aggregators[0] = start_mqtt_server(broker, db, "agg-1")  # resumes its session: gets what it never acked
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)
    assert not errors and all(not t.is_alive() for t in threads)
    for device in progress:
        seqs = wait_for(db, device, "chaos", batches * size)
        assert len(seqs) == len(set(seqs)), f"{device}: duplicated"
        assert seqs == list(range(batches * size)), f"{device}: lost {batches * size - len(set(seqs))}"
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _wait_until(condition) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the devices stopped making progress"
        time.sleep(0.05)
