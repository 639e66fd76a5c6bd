"""From a validated batch to rows to store: judge the tiny model's confidence and, when it is low
and the result carries its input, ask the teacher (the cascade)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolchain.aggregator.auth import DeviceAuthenticator
from toolchain.aggregator.confidence import judge, judge_all
from toolchain.aggregator.groupcommit import GroupCommit
from toolchain.aggregator.models import BatchRejected, ResultBatch, parse_batch
from toolchain.aggregator.store import ResultRow, Store
from toolchain.aggregator.tail import Tail
from toolchain.aggregator.teacher import Teacher

DEFAULT_THRESHOLD = 0.7


@dataclass(frozen=True)
class Cascade:
    """Escalate results whose tiny-model confidence is below `threshold` to `teacher`."""

    teacher: Teacher
    threshold: float = DEFAULT_THRESHOLD


def ingest_body(store: Store | GroupCommit, sender: str, body: bytes, cascade: Cascade | None,
                tail: Tail | None = None) -> dict:
    """Validate, finish (split computing), judge, escalate and store one batch sent by device
    `sender`, in one transaction (shared with concurrent requests' batches when `store` is a
    GroupCommit; a worker thread: parsing a large body must not stall an event loop). Returns the answer {"accepted", "duplicates", "escalated"}; raises BatchRejected or Forbidden."""
    batch = parse_batch(body)
    DeviceAuthenticator.require_same_device(sender, batch.device)
    rows = _rows(batch, cascade, tail)
    new_seqs = set(store.insert_results(batch.device, batch.session, rows))
    return {"accepted": len(new_seqs), "duplicates": len(rows) - len(new_seqs),
            "escalated": sum(1 for row in rows if row.escalated and row.seq in new_seqs)}


def ingest_bodies(store: Store, messages: list[tuple[str | None, bytes]], cascade: Cascade | None,
                  tail: Tail | None = None) -> list[str | None]:
    """The MQTT path: (sender device, body) pairs, all stored in ONE transaction (group commit).
    Per message None (stored, or stored before) or why it was rejected: invalid, sent for another
    device than the sender, or from a device the store does not know or has revoked. Raises
    StoreUnavailableError, with nothing stored, when the whole group should be retried."""
    outcomes: list[str | None] = [None] * len(messages)
    accepted: list[tuple[int, ResultBatch]] = []
    for index, (sender, body) in enumerate(messages):
        try:
            batch = parse_batch(body)
        except BatchRejected as exc:
            outcomes[index] = str(exc)
            continue
        if batch.device != sender:
            outcomes[index] = f"a batch for device {batch.device!r} on the topic of device {sender!r}"
        else:
            accepted.append((index, batch))
    active = store.active_devices({batch.device for _, batch in accepted})
    to_store = []
    for index, batch in accepted:
        if batch.device not in active:
            outcomes[index] = f"device {batch.device!r} is unknown or revoked"
            continue
        try:
            to_store.append((batch.device, batch.session, _rows(batch, cascade, tail)))
        except BatchRejected as exc:
            outcomes[index] = str(exc)
    if to_store:
        store.insert_batches(to_store)
    return outcomes


def _rows(batch: ResultBatch, cascade: Cascade | None, tail: Tail | None) -> list[ResultRow]:
    if tail is not None:
        batch = tail.finish(batch)
    return prepare_rows(batch, cascade)


def prepare_rows(batch: ResultBatch, cascade: Cascade | None) -> list[ResultRow]:
    """Rows for the store; raises BatchRejected when an input cannot feed the teacher (checked for
    the whole batch before any teacher run, so acceptance never depends on confidence)."""
    if cascade is not None:
        _check_input_sizes(batch, cascade.teacher)
    outputs = [_dequantized(result.output, batch.output_quant) for result in batch.results]
    rows = []
    for result, output, tiny in zip(batch.results, outputs, judge_all(outputs, batch.output_kind)):
        model_input = None if result.input is None else _dequantized(result.input, batch.input_quant)
        teacher_label = teacher_confidence = None
        escalate = cascade is not None and model_input is not None and tiny.confidence < cascade.threshold
        if escalate:
            answer = judge(cascade.teacher.predict(np.asarray(model_input)).tolist(), "auto")
            teacher_label, teacher_confidence = answer.label, answer.confidence
        rows.append(ResultRow(
            seq=result.seq, output=output, tiny_label=tiny.label, confidence=tiny.confidence,
            label=result.label, latency_cycles=result.latency_cycles, input=model_input,
            escalated=escalate, teacher_label=teacher_label, teacher_confidence=teacher_confidence))
    return rows


def _dequantized(values: list[float], quant) -> list[float]:
    return [float(v) for v in values] if quant is None else quant.dequantize(values)


def _check_input_sizes(batch: ResultBatch, teacher: Teacher) -> None:
    for index, result in enumerate(batch.results):
        if result.input is not None and len(result.input) != teacher.input_size:
            raise BatchRejected(f"results.{index}.input: has {len(result.input)} values, the teacher "
                                f"{teacher.name} takes {teacher.input_size}")
