"""Aggregator ingest benchmark: N concurrent simulated devices x M results each, against a real
`tinylarge aggregator serve` process on SQLite and on PostgreSQL (a throwaway local cluster).

Prints results/s stored, p50/p99 request latency, and checks lost = 0 and duplicated = 0 by
reading every session back. Figures only: nothing here passes or fails on speed.

    python bench/bench_aggregator.py [--devices 50] [--results 400] [--batch 20] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from toolchain.aggregator.auth import register_device
from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.pgcluster import start_temp_postgres

_SCRIPT = Path(sys.executable).parent / "tinylarge"
TINYLARGE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from toolchain.cli import main; main()"]


@dataclass
class Figures:
    backend: str
    stored: int
    seconds: float
    latencies: list[float]
    retries: int
    lost: int
    duplicated: int

    def line(self) -> str:
        q = statistics.quantiles(self.latencies, n=100)
        return (f"{self.backend:<11} {self.stored:>8} {self.stored / self.seconds:>10.0f} "
                f"{1000 * q[49]:>8.1f} {1000 * q[98]:>8.1f} {self.retries:>7} {self.lost:>5} {self.duplicated:>6}")


def start_service(db: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([*TINYLARGE, "aggregator", "serve", "--db", db, "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
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


async def device(client: httpx.AsyncClient, url: str, name: str, token: str, results: int, batch: int,
                 latencies: list[float]) -> int:
    """Post `results` results in batches; retry a batch until acknowledged. Returns retries."""
    retries = 0
    headers = {"Authorization": f"Bearer {token}"}
    for start in range(0, results, batch):
        body = {"device": name, "session": "bench", "results": [
            {"seq": seq, "output": [0.1, 0.7, 0.2], "label": seq % 3, "latency_cycles": 40000 + seq % 977}
            for seq in range(start, min(start + batch, results))]}
        while True:
            began = time.perf_counter()
            try:
                response = await client.post(f"{url}/v1/results", json=body, headers=headers)
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - began)
                    break
            except httpx.TransportError:
                pass
            retries += 1
            await asyncio.sleep(0.05)
    return retries


async def run_fleet(url: str, tokens: dict[str, str], results: int, batch: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        began = time.perf_counter()
        retries = await asyncio.gather(*(device(client, url, name, token, results, batch, latencies)
                                         for name, token in tokens.items()))
        seconds = time.perf_counter() - began
    return seconds, latencies, sum(retries)


def read_back(url: str, tokens: dict[str, str], results: int) -> tuple[int, int, int]:
    stored = lost = duplicated = 0
    for name, token in tokens.items():
        seqs = httpx.get(f"{url}/v1/sessions/{name}/bench/seqs", headers={"Authorization": f"Bearer {token}"},
                         timeout=60).json()["seqs"]
        stored += len(seqs)
        lost += len(set(range(results)) - set(seqs))
        duplicated += len(seqs) - len(set(seqs))
    return stored, lost, duplicated


def bench(backend: str, db: str, devices: int, results: int, batch: int) -> Figures:
    tokens = {f"bench-{i:03d}": register_device(db, f"bench-{i:03d}") for i in range(devices)}
    process, url = start_service(db)
    try:
        seconds, latencies, retries = asyncio.run(run_fleet(url, tokens, results, batch))
        stored, lost, duplicated = read_back(url, tokens, results)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return Figures(backend, stored, seconds, latencies, retries, lost, duplicated)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--results", type=int, default=400, help="results per device")
    parser.add_argument("--batch", type=int, default=20, help="results per request")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()

    print(f"{args.devices} devices x {args.results} results, {args.batch} per request, one service process")
    print(f"{'backend':<11} {'stored':>8} {'results/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'retries':>7} {'lost':>5} {'dupl.':>6}")
    failures = 0
    for backend in args.backends.split(","):
        work = Path(tempfile.mkdtemp(prefix="tl-bench-agg-"))
        try:
            if backend == "sqlite":
                figures = bench(backend, str(work / "bench.db"), args.devices, args.results, args.batch)
            elif backend == "postgresql":
                try:
                    cluster = start_temp_postgres(work)  # fresh in /tmp: reachable by the postgres user
                except AggregatorError as exc:
                    print(f"{backend:<11} skipped: {exc}")
                    continue
                try:
                    figures = bench(backend, cluster.url, args.devices, args.results, args.batch)
                finally:
                    cluster.stop()
            else:
                raise SystemExit(f"unknown backend {backend!r} (sqlite, postgresql)")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(figures.line())
        failures += figures.lost + figures.duplicated
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
