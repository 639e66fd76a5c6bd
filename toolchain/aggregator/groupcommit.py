"""Group commit for concurrent HTTP requests: batches that wait for the store while another
transaction commits are written together in the next transaction, so N concurrent devices cost
one commit (one fsync) instead of N. Every caller still returns only after its own batch has
committed, so a 200 keeps meaning "durably stored".

No thread of its own: the first waiting caller commits for everyone who queued behind it
(leader/follower), the others sleep until their outcome is known.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from toolchain.aggregator.errors import StoreUnavailableError
from toolchain.aggregator.store import ResultRow, Store


@dataclass
class _Waiting:
    device: str
    session: str
    rows: list[ResultRow]
    done: bool = False
    new_seqs: list[int] = field(default_factory=list)
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._changed = threading.Condition()
        self._queue: list[_Waiting] = []
        self._committing = False

    def waiting(self) -> int:
        """Batches queued for the next transaction."""
        with self._changed:
            return len(self._queue)

    def insert_results(self, device: str, session: str, rows: list[ResultRow]) -> list[int]:
        """As Store.insert_results (the seqs that were new), sharing a transaction with the
        batches of other threads that wait at the same time."""
        mine = _Waiting(device, session, rows)
        with self._changed:
            self._queue.append(mine)
            while self._committing and not mine.done:
                self._changed.wait()
            if not mine.done:  # lead: commit everything queued so far, this batch included
                group, self._queue, self._committing = self._queue, [], True
        if not mine.done:
            try:
                self._commit(group)
            except BaseException as exc:  # never leave a follower without an outcome
                for waiting in group:
                    if not waiting.done:
                        waiting.error, waiting.done = exc, True
                raise
            finally:
                with self._changed:
                    self._committing = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.new_seqs

    def _commit(self, group: list[_Waiting]) -> None:
        """One transaction for the group. An unavailable store fails them all (each sender gets 503
        and retries); any other failure of several batches tries each batch alone, so one batch's
        failure is never another's."""
        try:
            outcomes = self._store.insert_batches([(w.device, w.session, w.rows) for w in group])
        except Exception as exc:
            if len(group) == 1 or isinstance(exc, StoreUnavailableError):
                for waiting in group:
                    waiting.error, waiting.done = exc, True
                return
            for waiting in group:
                self._commit([waiting])
            return
        for waiting, new_seqs in zip(group, outcomes):
            waiting.new_seqs, waiting.done = new_seqs, True
