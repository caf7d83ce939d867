"""Destroying expired reads and their images, in short batches that leave ingest room to write.

Kept through a purge: reads under an active legal hold, and reads an alert still points at (an alert
is kept by its own schedule, and a confirmed alert without a recorded outcome is kept until one is).
Each batch is one short transaction; the destruction record is updated in the same transaction as the
rows it counts, so an interrupted purge leaves a true record, and a rerun continues where it stopped.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.alerts.models import Alert
from plateguard.database import transaction, utcnow
from plateguard.reads.models import PlateRead
from plateguard.retention import files, write_lock
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind, DestructionRecord, HeldRead, LegalHold, RetentionSchedule

Progress = Callable[[int], None]
T = TypeVar("T")
TARGET_BATCH_MS = 35.0  # batch sizes adapt to hold the write lock about this long (write_lock bounds it)
MIN_BATCH = 10
FIRST_BATCH = 100  # grows to the configured size while batches stay under the target
RECORD_TABLE: Table = DestructionRecord.__table__  # type: ignore[assignment]


@dataclass
class PurgeReport:
    kind: DataKind
    schedule_id: int | None = None
    cutoff: dt.datetime | None = None
    expired: int = 0  # past the schedule, whether destroyed or kept
    held: int = 0  # of those, kept by a legal hold
    kept_for_alerts: int = 0  # of those, kept because an alert points at them
    deleted: int = 0
    files: int = 0
    partitions: list[str] = field(default_factory=list)
    batch_ms: list[float] = field(default_factory=list)  # each batch from BEGIN to COMMIT (ingest waits)
    interrupted: int = 0  # batches stopped at their deadline and tried again smaller
    note: str = ""


def active_hold_on(read_id: SQLColumnExpression[uuid.UUID]) -> ColumnElement[bool]:
    return exists().where(
        HeldRead.read_id == read_id, HeldRead.hold_id == LegalHold.id, LegalHold.released_at.is_(None)
    )


def _expired(cutoff: dt.datetime) -> ColumnElement[bool]:
    return and_(
        PlateRead.captured_at < cutoff,
        ~active_hold_on(PlateRead.id),
        ~exists().where(Alert.read_id == PlateRead.id),
    )


def survey(*, session: Session, now: dt.datetime | None = None) -> PurgeReport:
    """What a purge of reads would do now: counts only (the dry run)."""
    schedule = schedules.in_force(session=session, kind=DataKind.READS)
    report = PurgeReport(DataKind.READS)
    if schedule is None:
        report.note = "no approved retention schedule for reads: nothing is destroyed"
        return report
    cutoff = schedules.cutoff(schedule, now=now)
    report.schedule_id, report.cutoff = schedule.id, cutoff
    old = PlateRead.captured_at < cutoff
    with system_scope(session, files.TASK):
        report.expired = session.scalar(select(func.count()).select_from(PlateRead).where(old)) or 0
        report.held = session.scalar(select(func.count()).where(old, active_hold_on(PlateRead.id))) or 0
        report.kept_for_alerts = (
            session.scalar(
                select(func.count()).where(
                    old, ~active_hold_on(PlateRead.id), exists().where(Alert.read_id == PlateRead.id)
                )
            )
            or 0
        )
    return report


@dataclass(frozen=True)
class PurgeRun:
    factory: sessionmaker[Session]
    images_dir: Path
    run_by: str
    batch_size: int = 1000
    pause_seconds: float = 0.02
    progress: Progress | None = None
    stop_after_batches: int | None = None  # for tests of an interrupted purge


def purge_reads(run: PurgeRun, *, now: dt.datetime | None = None) -> PurgeReport:
    """Destroy every expired read that nothing keeps, with its images; safe to stop and run again."""
    files.remove_pending(run.factory, run.images_dir)  # what an interrupted run left behind
    with transaction(run.factory) as session:
        report = survey(session=session, now=now)
        if report.schedule_id is None or report.cutoff is None:
            return report
        record_id = open_record(session, report, run.run_by)
    from plateguard.retention import partitions as partition_purge

    partition_purge.drop_expired_months(run, report, record_id)
    with write_lock.batch_sessions(run.factory) as batch_factory:
        _purge_in_batches(run, batch_factory, report, record_id)
    report.files += files.remove_pending(run.factory, run.images_dir)  # the last batch's journal entries
    _close_record(run.factory, record_id, report)
    return report


def _purge_in_batches(
    run: PurgeRun, batch_factory: sessionmaker[Session], report: PurgeReport, record_id: int
) -> None:
    assert report.cutoff is not None
    batches, size, freed = 0, min(run.batch_size, FIRST_BATCH), set[str]()
    while run.stop_after_batches is None or batches < run.stop_after_batches:
        batch = partial(_purge_batch, batch_factory, report.cutoff, record_id, size, freed)
        outcome = bounded_batch(report, batch_factory, size, batch)
        if outcome is None:
            size = max(MIN_BATCH, size // 2)
            continue
        count, freed = outcome
        if not count:
            break
        batches += 1
        size = next_size(size, report.batch_ms[-1], run.batch_size)
        report.deleted += count
        report.files += files.unlink_freed(run.factory, run.images_dir, freed)
        if run.progress is not None:
            run.progress(count)
        time.sleep(run.pause_seconds)


def bounded_batch(
    report: PurgeReport,
    batch_factory: sessionmaker[Session],
    size: int,
    batch: Callable[[float | None, write_lock.Held], T],
) -> T | None:
    """One batch under the write-lock bounds (``write_lock``), timed into the report; ``None`` when it
    was stopped at its deadline (nothing written: try again smaller). A batch that committed is synced
    to disk before the caller removes any file of it."""
    held = write_lock.Held()
    budget = None if size <= MIN_BATCH else write_lock.WORK_DEADLINE_MS
    try:
        outcome = batch(budget, held)
    except write_lock.BatchTooSlow:
        report.batch_ms.append(held.ms())
        report.interrupted += 1
        return None
    report.batch_ms.append(held.ms())
    write_lock.settle(batch_factory)  # outside the lock
    return outcome


def open_record(session: Session, report: PurgeReport, run_by: str) -> int:
    """A destruction record for one kind's run, naming the schedule and who approved it."""
    schedule = session.get(RetentionSchedule, report.schedule_id)
    assert schedule is not None and report.cutoff is not None
    record = DestructionRecord(
        data_kind=report.kind,
        cutoff=report.cutoff,
        schedule_id=schedule.id,
        schedule_days=schedule.days,
        approved_by=schedule.decided_by or "",
        run_by=run_by,
        method="rows",
    )
    session.add(record)
    session.flush()
    return record.id


def next_size(size: int, took_ms: float, largest: int) -> int:
    """Halve the batch when one held the lock longer than the target, grow it back when well under."""
    if took_ms > TARGET_BATCH_MS:
        return max(min(MIN_BATCH, size), size // 2)  # never larger than the batch that was too slow
    if took_ms < TARGET_BATCH_MS / 2:
        return min(largest, size * 2)
    return size


def _purge_batch(
    factory: sessionmaker[Session],
    cutoff: dt.datetime,
    record_id: int,
    size: int,
    done: set[str],
    budget_ms: float | None,
    held: write_lock.Held | None = None,
) -> tuple[int, set[str]]:
    """One short transaction: up to ``size`` reads, their freed image rows, the record's count, and the
    journal entries of the files the batch before removed (``done``). Its statements stop at
    ``budget_ms`` (``write_lock.BatchTooSlow``, nothing written); ``held`` times it from BEGIN.

    Returns the reads destroyed and the images freed, whose files go after the commit.
    """
    with (
        write_lock.batch_transaction(factory, budget_ms, held) as session,
        system_scope(session, files.TASK),
    ):
        files.clear_journal(session, done)
        rows = session.execute(
            select(
                PlateRead.id,
                PlateRead.captured_at,
                PlateRead.plate_image_sha256,
                PlateRead.overview_image_sha256,
            )
            .where(_expired(cutoff))
            .order_by(PlateRead.captured_at)
            .limit(size)
        ).all()
        if not rows:
            return 0, set()
        ids = [row.id for row in rows]
        # Core statements on the table: no ORM bookkeeping inside the write lock.
        table = files.READ_TABLE
        session.execute(delete(table).where(table.c.id.in_(ids), table.c.captured_at < cutoff))
        freed = files.release_images(session, [sha for row in rows for sha in (row[2], row[3]) if sha])
        count_into(session, record_id, len(rows), rows[0].captured_at, rows[-1].captured_at)
    return len(rows), freed


def count_into(
    session: Session, record_id: int, count: int, oldest: dt.datetime, newest: dt.datetime
) -> None:
    table = RECORD_TABLE
    session.execute(
        update(table)
        .where(table.c.id == record_id)
        .values(
            count=table.c.count + count,
            oldest=case(
                (or_(table.c.oldest.is_(None), table.c.oldest > oldest), oldest), else_=table.c.oldest
            ),
            newest=case(
                (or_(table.c.newest.is_(None), table.c.newest < newest), newest), else_=table.c.newest
            ),
        )
    )


def _close_record(factory: sessionmaker[Session], record_id: int, report: PurgeReport) -> None:
    with transaction(factory) as session:
        record = session.get(DestructionRecord, record_id)
        assert record is not None
        record.files += report.files
        record.finished_at = utcnow()
        if report.partitions:
            dropped = report.partitions
            record.method = f"{len(dropped)} monthly partitions dropped ({dropped[0]} to {dropped[-1]}); rows"
