"""hil.streamer against a real aggregator process that is down, comes up, goes down again."""
from __future__ import annotations

import sqlite3

import pytest

from aggregator_support import add_device, free_port, start_server, stored_seqs
from hil.streamer import DrainReport, ResultStreamer, StreamerError

FAST_RETRIES = {"max_attempts": 3, "backoff_seconds": 0.05, "backoff_max_seconds": 0.2}


def _result(i: int) -> dict:
    return {"output": [i % 3, 1, 2], "label": i % 3, "latency_cycles": 5000 + i}


def test_spool_while_down_then_drain_in_order_when_up(tmp_path):
    db, spool = str(tmp_path / "fleet.db"), tmp_path / "spool.db"
    token = add_device(db, "board-1")
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    streamer = ResultStreamer(url, token, "board-1", "run-1", spool, batch_size=10, **FAST_RETRIES)
    for i in range(35):  # nobody listens yet: everything stays spooled
        streamer.send(_result(i))
    assert streamer.flush() == DrainReport(sent=0, duplicates=0, rejected=0, pending=35)
    assert streamer.close().pending == 35

    server = start_server(db, port=port)
    try:
        streamer = ResultStreamer(url, token, "board-1", "run-2", spool, batch_size=10, **FAST_RETRIES)
        for i in range(12):
            streamer.send(_result(i))  # the first 10 trigger a drain of run-1's backlog as well
        server.stop()                  # the service goes away mid-run
        for i in range(12, 20):
            streamer.send(_result(i))
        assert streamer.flush().pending > 0
        server = start_server(db, port=port)
        report = streamer.close()
        assert report.pending == 0 and report.rejected == 0
        assert stored_seqs(url, token, "board-1", "run-1") == list(range(35))
        assert stored_seqs(url, token, "board-1", "run-2") == list(range(20))
        with sqlite3.connect(db) as connection:  # in spool order: ids grow with (session, seq)
            order = connection.execute("SELECT session, seq FROM results ORDER BY id").fetchall()
        assert order == [("run-1", s) for s in range(35)] + [("run-2", s) for s in range(20)]
    finally:
        server.stop()
    with sqlite3.connect(spool) as connection:
        assert connection.execute("SELECT COUNT(*) FROM spool").fetchone()[0] == 0


def test_seq_numbering_survives_a_new_streamer_and_refused_tokens_keep_the_spool(tmp_path):
    db, spool = str(tmp_path / "fleet.db"), tmp_path / "spool.db"
    token = add_device(db, "board-2")
    server = start_server(db)
    try:
        with ResultStreamer(server.url, token, "board-2", "s", spool, **FAST_RETRIES) as streamer:
            for i in range(3):
                streamer.send(_result(i))
        with ResultStreamer(server.url, token, "board-2", "s", spool, **FAST_RETRIES) as streamer:
            streamer.send(_result(3))  # continues at seq 3, not 0 (which would be dropped as a duplicate)
            with pytest.raises(StreamerError, match="already sent"):
                streamer.send({**_result(0), "seq": 3})
        assert stored_seqs(server.url, token, "board-2", "s") == [0, 1, 2, 3]

        wrong = ResultStreamer(server.url, "wrong-token", "board-2", "t", spool, **FAST_RETRIES)
        wrong.send(_result(0))
        with pytest.raises(StreamerError, match="refused device 'board-2': unknown or revoked token"):
            wrong.flush()
        assert wrong.pending == 1
        with pytest.raises(StreamerError, match="output"):
            wrong.send({"output": []})
        assert ResultStreamer(server.url, token, "board-2", "t", spool).close() == DrainReport(sent=1, pending=0)
    finally:
        server.stop()


def test_a_batch_the_service_can_never_accept_moves_to_rejected(tmp_path):
    db, spool = str(tmp_path / "fleet.db"), tmp_path / "spool.db"
    token = add_device(db, "board-3")
    server = start_server(db, "--max-body-bytes", "2048")
    try:
        streamer = ResultStreamer(server.url, token, "board-3", "s", spool, **FAST_RETRIES)
        for i in range(7):  # seq 3 alone makes a ~4 KB body (413); the batch is split around it
            streamer.send({"output": [0.5, 0.5], "input": [0.5] * 1000} if i == 3 else _result(i))
        report = streamer.close()
        assert report == DrainReport(sent=6, duplicates=0, rejected=1, pending=0)
        assert stored_seqs(server.url, token, "board-3", "s") == [0, 1, 2, 4, 5, 6]
        with sqlite3.connect(spool) as connection:
            seq, reason = connection.execute("SELECT seq, reason FROM rejected").fetchone()
        assert seq == 3 and reason.startswith("HTTP 413: body of") and "limit of 2048 bytes" in reason
    finally:
        server.stop()
