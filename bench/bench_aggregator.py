"""Aggregator ingest benchmark: N concurrent simulated devices x M results each, over HTTP (one
`tinylarge aggregator serve` process) and over MQTT (devices -> a throwaway TLS Mosquitto -> two
`serve --mqtt` processes sharing one subscription), on SQLite and on PostgreSQL (a throwaway local
cluster). The `mqtt-chaos` path is MQTT on PostgreSQL with the broker restarted (SIGTERM + start)
and one aggregator killed with SIGKILL (and started again) while the devices publish.

Prints stored results/s (all results stored: HTTP from the first send to the last 200, MQTT from the
first publish until the store is seen holding every result, polled every 20 ms), p50/p99 latency,
and lost / duplicated, read back from the store. HTTP latency is per request (send to 200, which
follows the commit); MQTT latency is end to end, per batch: publish to the `received_at` the
aggregator stamps on the rows when it opens the group's transaction (that transaction's commit
follows within its own time, a group holding at most 2 MiB of payload). The machine's load average
is printed before and after: on a shared machine, throughput is what is left by the others. So
is the CPU time each part spent per stored result (aggregators, broker, PostgreSQL server, the
simulated devices in this process), which does not depend on that load: it says where the
limit is and what an idle machine would reach.
Figures only: nothing here passes or fails on speed; exit code 1 if anything was lost or duplicated.

    python bench/bench_aggregator.py [--devices 50] [--results 400] [--batch 100]
        [--paths http-sqlite,http-postgresql,mqtt-sqlite,mqtt-postgresql,mqtt-chaos]
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import queue
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from toolchain.aggregator.auth import register_device
from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.mosquitto import start_temp_mosquitto
from toolchain.aggregator.mqtt import (AGGREGATOR_USER, NO_MATCHING_SUBSCRIBERS, TOPIC_PATTERN, connect, new_client,
                                      parse_mqtt_url)
from toolchain.aggregator.pgcluster import start_temp_postgres

_SCRIPT = Path(sys.executable).parent / "tinylarge"
TINYLARGE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from toolchain.cli import main; main()"]
AGGREGATOR_PASSWORD = "bench-aggregator-password"
SESSION = "bench"
MQTT_INFLIGHT_PER_DEVICE = 16
DRAIN_SECONDS = 120  # after the last PUBACK, how long the store may take to catch up before "lost" counts
RESTART_AFTER_S = 5.0  # a supervisor (systemd Restart=) brings a killed aggregator back within seconds


@dataclass
class Figures:
    path: str
    stored: int
    seconds: float
    latencies: list[float]
    retries: int
    lost: int
    duplicated: int
    cpu: dict[str, float]  # CPU seconds spent during the run, per part (aggregators, broker, postgres, devices)

    def line(self) -> str:
        q = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0.0] * 99
        per_result = " ".join(f"{1e6 * self.cpu.get(part, 0.0) / max(self.stored, 1):>6.1f}" for part in CPU_PARTS)
        return (f"{self.path:<16} {self.stored:>8} {self.stored / self.seconds:>10.0f} "
                f"{1000 * q[49]:>8.1f} {1000 * q[98]:>8.1f} {self.retries:>7} {self.lost:>5} {self.duplicated:>6}   "
                f"{per_result}")


# --- CPU accounting: what each part costs per stored result, whatever else runs on the machine ----
CPU_PARTS = ("aggregator", "broker", "postgres", "devices")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one live process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(data_dir: Path | None) -> float:
    """The PostgreSQL server: its postmaster and every live child (the backends, the WAL writer...)."""
    if data_dir is None:
        return 0.0
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    children = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()
                and _parent_pid(int(entry.name)) == postmaster]
    return process_cpu(postmaster) + sum(process_cpu(pid) for pid in children)


def _parent_pid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def payload(name: str, start: int, stop: int) -> bytes:
    return json.dumps({"device": name, "session": SESSION, "results": [
        {"seq": seq, "output": [0.1, 0.7, 0.2], "label": seq % 3, "latency_cycles": 40000 + seq % 977}
        for seq in range(start, stop)]}).encode()


def start_service(db: str, *extra: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([*TINYLARGE, "aggregator", "serve", "--db", db, "--port", "0", *extra],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    line = process.stdout.readline()
    if not line.startswith("aggregator listening on"):
        process.kill()
        raise SystemExit(f"the service did not start: {line!r}")
    url = line.split()[-1]
    for _ in range(200):
        try:
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the service never answered /v1/health")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- reading the store back ----------------------------------------------------------------------
def query(db: str, sql: str) -> list[tuple]:
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as connection:
            return connection.execute(sql).fetchall()
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def stored_counts(db: str) -> dict[str, tuple[int, int]]:
    """device -> (rows, distinct seqs) of the bench session."""
    rows = query(db, f"SELECT device, COUNT(*), COUNT(DISTINCT seq) FROM results WHERE session = '{SESSION}' "
                     "GROUP BY device")
    return {device: (int(n), int(distinct)) for device, n, distinct in rows}


def lost_and_duplicated(db: str, names: list[str], results: int) -> tuple[int, int, int]:
    counts = stored_counts(db)
    stored = sum(n for n, _ in counts.values())
    lost = sum(results - counts.get(name, (0, 0))[1] for name in names)
    duplicated = sum(n - distinct for n, distinct in counts.values())
    return stored, lost, duplicated


def stored_total(db: str) -> int:
    return int(query(db, f"SELECT COUNT(*) FROM results WHERE session = '{SESSION}'")[0][0])


def wait_until_stored(db: str, expected: int) -> float:
    """Poll (every 20 ms) until every result is stored, or until DRAIN_SECONDS pass without
    progress; returns the time.time() at which the store was seen complete (or gave up)."""
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < DRAIN_SECONDS:
        now = stored_total(db)
        if now >= expected:
            return time.time()
        if now != last:
            last, last_change = now, time.monotonic()
        time.sleep(0.02)
    return time.time()


# --- HTTP ----------------------------------------------------------------------------------------
class HttpConnection:
    """One device's keep-alive HTTP/1.1 connection, written out by hand: httpx spent more CPU per
    result than the service itself, and here both share the same cores."""

    def __init__(self, url: str) -> None:
        self.host, port = url.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """The answer's status; raises OSError, asyncio.IncompleteReadError or ValueError when the
        connection broke (then closed: the next post opens a new one)."""
        try:
            if self._streams is None:
                self._streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self._streams
            head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
                         f"{head}\r\n".encode() + body)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
            await reader.readexactly(length)
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def http_device(url: str, name: str, token: str, results: int, batch: int, latencies: list[float]) -> int:
    """Post `results` results in batches; retry a batch until acknowledged. Returns retries."""
    retries = 0
    connection = HttpConnection(url)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        for start in range(0, results, batch):
            body = payload(name, start, min(start + batch, results))
            while True:
                began = time.perf_counter()
                try:
                    if await connection.post("/v1/results", headers, body) == 200:
                        latencies.append(time.perf_counter() - began)
                        break
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    pass
                retries += 1
                await asyncio.sleep(0.05)
    finally:
        connection.close()
    return retries


async def http_fleet(url: str, tokens: dict[str, str], results: int, batch: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    began = time.perf_counter()
    retries = await asyncio.gather(*(http_device(url, name, token, results, batch, latencies)
                                     for name, token in tokens.items()))
    return time.perf_counter() - began, latencies, sum(retries)


def bench_http(path: str, db: str, devices: int, results: int, batch: int, work: Path,
               pg_data: Path | None) -> Figures:
    tokens = {f"bench-{i:03d}": register_device(db, f"bench-{i:03d}") for i in range(devices)}
    process, url = start_service(db)
    try:
        cpu_before = (process_cpu(process.pid), postgres_cpu(pg_data), time.process_time())
        seconds, latencies, retries = asyncio.run(http_fleet(url, tokens, results, batch))
        cpu = {"aggregator": process_cpu(process.pid) - cpu_before[0],
               "postgres": postgres_cpu(pg_data) - cpu_before[1], "devices": time.process_time() - cpu_before[2]}
        stored, lost, duplicated = lost_and_duplicated(db, list(tokens), results)
    finally:
        stop(process)
    return Figures(path, stored, seconds, latencies, retries, lost, duplicated, cpu)


# --- MQTT ----------------------------------------------------------------------------------------
class MqttDevice:
    """One simulated device: its own MQTT login and connection, at most MQTT_INFLIGHT_PER_DEVICE
    unacknowledged batches at a time; paho resends unacknowledged ones after a reconnection. A
    PUBACK "No matching subscribers" (a restarted broker before the aggregators subscribed again)
    means the broker dropped the batch: it is published again, as the streamer and gateway do."""

    def __init__(self, broker, name: str, token: str) -> None:
        settings = dataclasses.replace(parse_mqtt_url(broker.url, password=token, ca_file=str(broker.ca_file)),
                                       username=name)
        self.name = name
        self.client = new_client(settings, f"bench-{name}")
        self.client.max_inflight_messages_set(MQTT_INFLIGHT_PER_DEVICE)
        self.window = threading.Semaphore(MQTT_INFLIGHT_PER_DEVICE)
        self.refused = self.republished = 0
        self._pubacks: queue.Queue = queue.Queue()  # (mid, reason code), read by run()
        self.client.on_publish = self._on_publish
        connect(self.client, settings, clean_start=True)
        self.client.on_connect = None  # paho reconnects on its own; nothing to redo for a publisher

    def _on_publish(self, _client, _userdata, mid, reason_code, _properties) -> None:
        self._pubacks.put((mid, reason_code))  # paho holds its own lock here: no publishing from this thread
        self.window.release()

    def _publish(self, topic: str, body: bytes, bodies_by_mid: dict[int, bytes]) -> None:
        self.window.acquire()
        bodies_by_mid[self.client.publish(topic, body, qos=1).mid] = body

    def run(self, results: int, batch: int, sent_at: dict[tuple[str, int], float]) -> None:
        topic = TOPIC_PATTERN.format(device=self.name)
        bodies = [(start, payload(self.name, start, min(start + batch, results))) for start in range(0, results, batch)]
        bodies_by_mid: dict[int, bytes] = {}
        for start, body in bodies:
            sent_at[(self.name, start)] = time.time()
            self._publish(topic, body, bodies_by_mid)
        unsettled = len(bodies)
        while unsettled:  # until every batch has a PUBACK with a subscriber behind it
            mid, reason_code = self._pubacks.get()
            body = bodies_by_mid.pop(mid)
            if reason_code.value == NO_MATCHING_SUBSCRIBERS:
                self.republished += 1
                time.sleep(0.05)
                self._publish(topic, body, bodies_by_mid)
            else:
                self.refused += int(reason_code.is_failure)
                unsettled -= 1

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def start_mqtt_aggregator(db: str, broker, client_id: str) -> tuple[subprocess.Popen, str]:
    return start_service(db, "--mqtt", f"mqtts://{AGGREGATOR_USER}@127.0.0.1:{broker.port}",
                         "--mqtt-ca", str(broker.ca_file), "--mqtt-client-id", client_id,
                         env={"TINYLARGE_MQTT_PASSWORD": AGGREGATOR_PASSWORD})


def end_to_end_latencies(db: str, sent_at: dict[tuple[str, int], float], batch: int) -> list[float]:
    """Per batch: the `received_at` of its first result minus the moment it was published."""
    rows = query(db, f"SELECT device, seq, MIN(received_at) FROM results WHERE session = '{SESSION}' "
                     f"AND seq % {batch} = 0 GROUP BY device, seq")
    return [float(received) - sent_at[(device, int(seq))] for device, seq, received in rows
            if (device, int(seq)) in sent_at]


def bench_mqtt(path: str, db: str, devices: int, results: int, batch: int, work: Path, chaos: bool,
               pg_data: Path | None) -> Figures:
    tokens = {f"bench-{i:03d}": register_device(db, f"bench-{i:03d}") for i in range(devices)}
    broker = start_temp_mosquitto(work / "broker", {**tokens, AGGREGATOR_USER: AGGREGATOR_PASSWORD})
    aggregators = [start_mqtt_aggregator(db, broker, f"bench-agg-{i}")[0] for i in range(2)]
    fleet = [MqttDevice(broker, name, token) for name, token in tokens.items()]
    sent_at: dict[tuple[str, int], float] = {}
    spent = {"aggregator": 0.0, "broker": 0.0}  # CPU of processes that stopped during the run (chaos)
    try:
        cpu_before = (sum(process_cpu(p.pid) for p in aggregators), process_cpu(broker.process.pid),
                      postgres_cpu(pg_data), time.process_time())
        began = time.time()
        threads = [threading.Thread(target=device.run, args=(results, batch, sent_at)) for device in fleet]
        for thread in threads:
            thread.start()
        if chaos:
            disrupt(broker, aggregators, db, devices * results, lambda: start_mqtt_aggregator(db, broker, "bench-agg-0")[0],
                    spent)
        for thread in threads:
            thread.join()
        complete_at = wait_until_stored(db, devices * results)
        cpu = {"aggregator": sum(process_cpu(p.pid) for p in aggregators) + spent["aggregator"] - cpu_before[0],
               "broker": process_cpu(broker.process.pid) + spent["broker"] - cpu_before[1],
               "postgres": postgres_cpu(pg_data) - cpu_before[2], "devices": time.process_time() - cpu_before[3]}
        stored, lost, duplicated = lost_and_duplicated(db, list(tokens), results)
        latencies = end_to_end_latencies(db, sent_at, batch)
    finally:
        for device in fleet:
            device.close()
        for process in aggregators:
            stop(process)
        broker.stop()
    republished = sum(device.refused + device.republished for device in fleet)
    return Figures(path, stored, complete_at - began, latencies, republished, lost, duplicated, cpu)


def disrupt(broker, aggregators: list[subprocess.Popen], db: str, expected: int, restart_first,
            spent: dict[str, float]) -> None:
    """While the devices publish: restart the broker at 1/4 of the results stored, SIGKILL
    aggregator 0 at 1/2 and start it again (same client id: same session) at 3/4 or after
    RESTART_AFTER_S, whichever comes first: the broker keeps handing the dead member its share of
    the shared subscription (queued in its session), so the survivor alone may never reach 3/4.
    The CPU the stopped processes had used is added to `spent`."""
    def stored() -> int:
        return stored_total(db)

    def wait_for(fraction: float, or_seconds: float | None = None) -> None:
        """Until `fraction` of the results are stored, or `or_seconds` have passed when given;
        without it, a store that stalls for DRAIN_SECONDS ends the run."""
        began = time.monotonic()
        while stored() < fraction * expected:
            waited = time.monotonic() - began
            if or_seconds is not None and waited > or_seconds:
                return
            if waited > DRAIN_SECONDS:
                raise SystemExit(f"no progress for {DRAIN_SECONDS} s during the disruption")
            time.sleep(0.05)

    wait_for(0.25)
    spent["broker"] += process_cpu(broker.process.pid)
    broker.restart()
    print(f"  broker restarted at {stored()} stored", flush=True)
    wait_for(0.5)
    spent["aggregator"] += process_cpu(aggregators[0].pid)
    aggregators[0].send_signal(signal.SIGKILL)
    aggregators[0].wait()
    print(f"  aggregator 0 killed (SIGKILL) at {stored()} stored", flush=True)
    wait_for(0.75, or_seconds=RESTART_AFTER_S)
    aggregators[0] = restart_first()
    print(f"  aggregator 0 started again at {stored()} stored", flush=True)


# --- driver --------------------------------------------------------------------------------------
def run_path(path: str, args, work: Path) -> Figures | None:
    transport, _, backend = path.partition("-")
    if transport not in ("http", "mqtt") or backend not in ("sqlite", "postgresql", "chaos"):
        raise SystemExit(f"unknown path {path!r}")
    chaos = backend == "chaos"
    if backend == "sqlite":
        return run_transport(transport, path, str(work / "bench.db"), args, work, chaos, None)
    try:
        cluster = start_temp_postgres(work)  # fresh in /tmp: reachable by the postgres user
    except AggregatorError as exc:
        print(f"{path:<16} skipped: {exc}")
        return None
    try:
        return run_transport(transport, path, cluster.url, args, work, chaos, work / "data")
    finally:
        cluster.stop()


def run_transport(transport: str, path: str, db: str, args, work: Path, chaos: bool,
                  pg_data: Path | None) -> Figures:
    if transport == "http":
        return bench_http(path, db, args.devices, args.results, args.batch, work, pg_data)
    return bench_mqtt(path, db, args.devices, args.results, args.batch, work, chaos, pg_data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--results", type=int, default=400, help="results per device")
    parser.add_argument("--batch", type=int, default=100, help="results per request / MQTT message")
    parser.add_argument("--paths", default="http-sqlite,http-postgresql,mqtt-sqlite,mqtt-postgresql,mqtt-chaos")
    args = parser.parse_args()

    print(f"{args.devices} devices x {args.results} results, {args.batch} per request/message; "
          "HTTP: one service process; MQTT: TLS Mosquitto -> two aggregator processes")
    print("MQTT: latency end to end, 'retries' = publishes repeated or refused. CPU us/result: CPU time per stored "
          "result of the aggregator process(es), the broker, the PostgreSQL server and the simulated devices (this process)")
    print(f"{'path':<16} {'stored':>8} {'results/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'retries':>7} {'lost':>5} "
          f"{'dupl.':>6}   {'CPU us/result: agg. broker pg devices'}")
    print(f"load average before: {_load()}  ({os.cpu_count()} CPUs)", flush=True)
    failures = 0
    for path in args.paths.split(","):
        work = Path(tempfile.mkdtemp(prefix="tl-bench-agg-"))
        try:
            figures = run_path(path, args, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if figures is not None:
            print(figures.line(), flush=True)
            failures += figures.lost + figures.duplicated
    print(f"load average after: {_load()}")
    return 1 if failures else 0


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
