"""Crash safety: SIGKILL the service in the middle of a stream of writes, restart it on the same
SQLite file: every acknowledged result is there exactly once, and retrying everything fills the gaps
without duplicates."""
from __future__ import annotations

import sqlite3
import threading

import httpx

from aggregator_support import add_device, batch, post_batch, start_server, stored_seqs

SENDERS = 4
BATCH = 25
KILL_AFTER_ACKS = 40  # acknowledged batches across all senders before the kill


def _stream_until_the_server_dies(url, token, session, acked, acks_so_far, enough):
    seq = 0
    while True:
        try:
            response = post_batch(url, token, batch("crashy", session, range(seq, seq + BATCH)), timeout=10)
        except httpx.TransportError:
            return seq  # the server is gone: this batch may or may not have committed
        assert response.status_code == 200, response.text
        acked.extend(range(seq, seq + BATCH))
        seq += BATCH
        with acks_so_far[1]:
            acks_so_far[0] += 1
            if acks_so_far[0] >= KILL_AFTER_ACKS:
                enough.set()


def test_kill_9_during_writes_loses_no_acknowledged_result_and_duplicates_none(tmp_path):
    db = str(tmp_path / "fleet.db")
    token = add_device(db, "crashy")
    server = start_server(db)
    acked = {f"s{i}": [] for i in range(SENDERS)}
    attempted = {}
    acks_so_far, enough = [0, threading.Lock()], threading.Event()

    def sender(session):
        attempted[session] = _stream_until_the_server_dies(server.url, token, session, acked[session],
                                                           acks_so_far, enough)

    threads = [threading.Thread(target=sender, args=(session,)) for session in acked]
    for thread in threads:
        thread.start()
    enough.wait(timeout=120)
    server.kill()  # SIGKILL while the senders are still posting
    for thread in threads:
        thread.join(timeout=60)
    assert acks_so_far[0] >= KILL_AFTER_ACKS

    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for session, seqs in acked.items():
            stored = [row[0] for row in connection.execute(
                "SELECT seq FROM results WHERE device = 'crashy' AND session = ? ORDER BY seq", (session,))]
            assert set(seqs) <= set(stored), f"{session}: acknowledged results lost"
            assert len(stored) == len(set(stored))
            # at most the one in-flight batch may have committed without its acknowledgement
            assert len(stored) - len(seqs) in (0, BATCH)

    server = start_server(db)
    try:
        for session, next_seq in attempted.items():  # a sender retries everything it ever sent
            for start in range(0, next_seq + BATCH, BATCH):
                assert post_batch(server.url, token, batch("crashy", session, range(start, start + BATCH))).status_code == 200
            assert stored_seqs(server.url, token, "crashy", session) == list(range(next_seq + BATCH))
    finally:
        server.stop()
