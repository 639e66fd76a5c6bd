"""Group commit on a real SQLite store: batches that wait while a transaction commits share the
next one, every caller gets its own exact outcome (new seqs; a copy sent twice is new once), and
one failing batch fails no other."""
from __future__ import annotations

import threading

import pytest

from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.groupcommit import GroupCommit
from toolchain.aggregator.store import ResultRow, open_store

WAITERS = 12


def rows(seqs) -> list[ResultRow]:
    return [ResultRow(seq=s, output=[0.2, 0.8], tiny_label=1, confidence=0.8, label=None, latency_cycles=None,
                      input=None, escalated=False, teacher_label=None, teacher_confidence=None) for s in seqs]


@pytest.fixture
def gated_store(tmp_path):
    """The real store, its first transaction held until the test lets it go; group sizes recorded."""
    store = open_store(str(tmp_path / "group.db"))
    store.add_device("g-a")
    store.add_device("g-b")
    release, first_started, sizes = threading.Event(), threading.Event(), []
    insert_batches = store.insert_batches

    def gated(batches):
        sizes.append(len(batches))
        if len(sizes) == 1:
            first_started.set()
            release.wait(60)
        return insert_batches(batches)

    store.insert_batches = gated
    yield store, release, first_started, sizes
    store.close()


def test_waiting_batches_share_one_transaction_and_keep_their_own_outcomes(gated_store):
    store, release, first_started, sizes = gated_store
    writer = GroupCommit(store)
    outcomes: dict[str, object] = {}

    def send(name, device, session, seqs):
        try:
            outcomes[name] = writer.insert_results(device, session, rows(seqs))
        except AggregatorError as exc:
            outcomes[name] = exc

    first = threading.Thread(target=send, args=("first", "g-a", "s", range(0, 10)))
    first.start()
    assert first_started.wait(60)
    senders = [threading.Thread(target=send, args=(f"w{i}", "g-a", "s", range(10 * (i + 1), 10 * (i + 2))))
               for i in range(WAITERS)]
    senders += [threading.Thread(target=send, args=("retry", "g-a", "s", range(10, 20))),  # same as w0
                threading.Thread(target=send, args=("old", "g-a", "s", range(0, 5))),  # stored by "first"
                threading.Thread(target=send, args=("unknown", "g-x", "s", range(3)))]  # no such device
    for thread in senders:
        thread.start()
    while writer.waiting() < len(senders):  # all of them wait behind the held transaction
        threading.Event().wait(0.01)
    release.set()
    for thread in [first, *senders]:
        thread.join(60)
    assert sizes[:2] == [1, len(senders)]  # the waiters went in ONE transaction (then retried alone on failure)
    assert outcomes["first"] == list(range(10))
    assert outcomes["old"] == []
    assert sorted([outcomes["w0"], outcomes["retry"]]) == [[], list(range(10, 20))]  # first copy wins, once
    for i in range(1, WAITERS):
        assert outcomes[f"w{i}"] == list(range(10 * (i + 1), 10 * (i + 2)))
    assert isinstance(outcomes["unknown"], AggregatorError)
    assert store.stored_seqs("g-a", "s") == list(range(10 * (WAITERS + 1)))
