"""Purging the access log: its oldest records only, as a whole prefix of the chain, up to a signed checkpoint.

Which records may go: those older than the access-log schedule and older than every read still stored
(held reads included), since a record describes reads captured before it was written; and only up to
the newest record that a signed checkpoint confirms, so the hash the kept chain starts from is one the
agency's key vouched for. Before anything is deleted the whole log is verified (a broken log is never
purged: that would destroy the proof), and a signed anchor naming the last record to go is written in
the same transaction as the destruction record (with the record that carries the training recorded in
the part destroyed into the kept log, ``carried_training``). The database's triggers refuse a DELETE above the
newest anchor, and ``plateguard audit verify`` checks the kept chain from the anchor on.

Batches are deleted in id order, each one short transaction that also updates the destruction record,
so an interrupted purge leaves a true record; the next run first deletes what is left below the anchor.
"""

from __future__ import annotations

import datetime as dt
import time
from functools import partial
from pathlib import Path

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import anchors
from plateguard.access_log.anchors import Anchor
from plateguard.access_log.chain import canonical_time
from plateguard.access_log.checkpoints import signed_checkpoints
from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessChainHead, AccessLogAnchor, AccessRecord
from plateguard.access_log.service import Actor
from plateguard.access_log.verify import verify_chain
from plateguard.database import transaction, utcnow
from plateguard.reads.models import PlateRead
from plateguard.retention import carried_training, files, write_lock
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind, DestructionRecord
from plateguard.retention.purge import (
    MIN_BATCH,
    PurgeReport,
    bounded_batch,
    count_into,
    next_size,
    open_record,
)

FIRST_BATCH, LARGEST_BATCH = 500, 5000
PAUSE_SECONDS = 0.02
RECORDS: Table = AccessRecord.__table__  # type: ignore[assignment]


def survey(*, session: Session, data_dir: Path, now: dt.datetime | None = None) -> PurgeReport:
    """What a purge of the access log would do now: counts only (the dry run)."""
    report = PurgeReport(DataKind.ACCESS_LOG)
    schedule = schedules.in_force(session=session, kind=DataKind.ACCESS_LOG)
    if schedule is None:
        report.note = "no approved retention schedule for access_log: nothing is destroyed"
        return report
    due = schedules.cutoff(schedule, now=now)
    report.schedule_id, report.cutoff = schedule.id, _bounded_by_reads(session, due)
    anchor = anchors.current_in(session)
    after_anchor = AccessRecord.sequence > anchor.sequence
    report.expired = _count(session, after_anchor, AccessRecord.occurred_at < due)
    target = destroy_through(session, data_dir, report.cutoff, anchor)
    going = _count(session, after_anchor, AccessRecord.sequence <= target.sequence) if target else 0
    report.held = max(0, report.expired - going)
    if report.held:
        report.note = (
            f"{report.held} past the schedule kept: they may describe reads still stored, or no signed "
            "checkpoint confirms them yet"
        )
    return report


def _count(session: Session, *conditions: object) -> int:
    return session.scalar(select(func.count()).select_from(AccessRecord).where(*conditions)) or 0  # type: ignore[arg-type]


def _bounded_by_reads(session: Session, due: dt.datetime) -> dt.datetime:
    """No later than the oldest read still stored: a record written after it may describe it."""
    with system_scope(session, files.TASK):
        oldest = session.scalar(select(func.min(PlateRead.captured_at)))
    return min(due, oldest) if oldest is not None else due


def destroy_through(session: Session, data_dir: Path, cutoff: dt.datetime, anchor: Anchor) -> Anchor | None:
    """The newest signed checkpoint past the anchor whose record and every one before it are past the
    cutoff, and whose hash the stored record still has; None when there is none."""
    young = session.scalar(select(func.min(AccessRecord.sequence)).where(AccessRecord.occurred_at >= cutoff))
    if young is None:
        young = (session.scalar(select(AccessChainHead.sequence)) or 0) + 1
    checkpoints, _bad = signed_checkpoints(data_dir)  # a bad one stops the list; verify reports it
    for checkpoint in sorted(checkpoints, key=lambda c: c.sequence, reverse=True):
        if not anchor.sequence < checkpoint.sequence < young:
            continue
        stored = session.scalar(
            select(AccessRecord.record_hash).where(AccessRecord.sequence == checkpoint.sequence)
        )
        if stored == checkpoint.record_hash:
            return Anchor(checkpoint.sequence, checkpoint.record_hash)
    return None


def purge_access_log(
    *,
    factory: sessionmaker[Session],
    data_dir: Path,
    run_by: str,
    organisation: str,
    now: dt.datetime | None = None,
    stop_after_batches: int | None = None,
) -> PurgeReport:
    """Destroy the expired prefix of the access log; safe to stop and run again. The training recorded in
    the part destroyed is carried into the kept log first (``carried_training``)."""
    with transaction(factory) as session:
        report = survey(session=session, data_dir=data_dir, now=now)
        if report.cutoff is None:
            return report
        anchor = anchors.current_in(session)
        target = destroy_through(session, data_dir, report.cutoff, anchor)
        left_below = _count(session, AccessRecord.sequence <= anchor.sequence)
        engine = session.get_bind()
    if target is None and not left_below:
        return report
    problem = verify_chain(engine, data_dir).problem  # type: ignore[arg-type]
    if problem is not None:
        report.note = (
            f"the access log fails verification at record {problem.sequence}: none of it is destroyed "
            "until that is resolved (`plateguard audit verify`)"
        )
        return report
    with transaction(factory) as session:
        record_id = open_record(session, report, run_by)
        if target is not None:
            _write_anchor(session, data_dir, target, report.cutoff, record_id)
            actor = Actor.system(organisation, "retention purge")
            carried_training.carry(session=session, actor=actor, through=target.sequence)
            anchor = target
    _delete_through(factory, anchor.sequence, record_id, report, stop_after_batches)
    with transaction(factory) as session:
        record = session.get(DestructionRecord, record_id)
        assert record is not None
        record.method = f"records through {anchor.sequence}; the kept chain starts at a signed anchor"
        record.finished_at = utcnow()
    return report


def _write_anchor(
    session: Session, data_dir: Path, target: Anchor, cutoff: dt.datetime, record_id: int
) -> None:
    written_at = canonical_time(dt.datetime.now(dt.UTC))
    session.add(
        AccessLogAnchor(
            sequence=target.sequence,
            record_hash=target.record_hash,
            cutoff=cutoff,
            written_at=written_at,
            signature=anchors.sign(data_dir, target.sequence, target.record_hash, written_at),
            destruction_record_id=record_id,
        )
    )
    session.flush()


def _delete_through(
    factory: sessionmaker[Session], through: int, record_id: int, report: PurgeReport, stop_after: int | None
) -> None:
    """Delete the records through ``through`` in short batches, held to the write-lock bounds of the reads'
    purge (``write_lock``)."""
    size, batches = FIRST_BATCH, 0
    with write_lock.batch_sessions(factory) as batch_factory:
        while stop_after is None or batches < stop_after:
            batch = partial(_delete_batch, batch_factory, through, record_id, size)
            count = bounded_batch(report, batch_factory, size, batch)
            if count is None:
                size = max(MIN_BATCH, size // 2)
                continue
            if not count:
                return
            report.deleted += count
            batches += 1
            size = next_size(size, report.batch_ms[-1], LARGEST_BATCH)
            time.sleep(PAUSE_SECONDS)


def _delete_batch(
    factory: sessionmaker[Session],
    through: int,
    record_id: int,
    size: int,
    budget_ms: float | None,
    held: write_lock.Held,
) -> int:
    with write_lock.batch_transaction(factory, budget_ms, held) as session:
        rows = session.execute(
            select(RECORDS.c.id, RECORDS.c.occurred_at)
            .where(RECORDS.c.sequence <= through)
            .order_by(RECORDS.c.id)
            .limit(size)
        ).all()
        if not rows:
            return 0
        session.execute(
            delete(RECORDS).where(
                RECORDS.c.id >= rows[0].id, RECORDS.c.id <= rows[-1].id, RECORDS.c.sequence <= through
            )
        )
        times = [row.occurred_at for row in rows]
        count_into(session, record_id, len(rows), min(times), max(times))
    return len(rows)
