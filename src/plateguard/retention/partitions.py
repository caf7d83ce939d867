"""On PostgreSQL, a whole expired month of reads is dropped at once when nothing in it is kept.

A month qualifies when it ends before the cutoff, no active hold names a read captured in it, and no
alert points at one of its reads. Its image names are gathered first, the partition is dropped (waiting
at most ``LOCK_TIMEOUT`` for the table lock at each of ``LOCK_ATTEMPTS`` tries, so ingest is never
held up behind it for long), and then the images
no other read uses are released in batches like any purge's. Otherwise the month's reads go row by row.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import exists, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from plateguard.access_log import row_security
from plateguard.access_log.guard import system_scope
from plateguard.database import transaction
from plateguard.reads import partitions
from plateguard.retention import files
from plateguard.retention.models import HeldRead, LegalHold
from plateguard.retention.purge import PurgeReport, PurgeRun, count_into

# Ingest's inserts queue behind the purge while it waits for the table lock, so it waits briefly and
# tries again a little later rather than once for long.
LOCK_TIMEOUT = "20ms"
LOCK_ATTEMPTS, LOCK_RETRY_SECONDS = 25, 0.2
# Image rows freed by a dropped month, per transaction: on PostgreSQL these row locks hold up no ingest
# (a new read never uses an image row of a month long past, unless the very same picture comes again).
IMAGE_BATCH = 5000


def drop_expired_months(run: PurgeRun, report: PurgeReport, record_id: int) -> None:
    assert report.cutoff is not None
    with transaction(run.factory) as session:
        if session.get_bind().dialect.name != "postgresql" or row_security.bound(session.connection()):
            return  # SQLite, or a role that does not own the months (its rows go in batches instead)
        months = [
            p
            for p in partitions.partitions(session)
            if _end(p.month) <= report.cutoff and not _kept(session, p)
        ]
    for partition in months:
        dropped = _drop(run, partition, record_id)
        if dropped is not None:
            report.partitions.append(partition.name)
            report.deleted += dropped[0]
            report.files += dropped[1]
            report.batch_ms.append(dropped[2])


def _end(month: dt.date) -> dt.datetime:
    following = partitions.next_month(month)
    return dt.datetime(following.year, following.month, 1, tzinfo=dt.UTC)


def _kept(session: Session, partition: partitions.Partition) -> bool:
    start = dt.datetime(partition.month.year, partition.month.month, 1, tzinfo=dt.UTC)
    held = exists().where(
        HeldRead.captured_at >= start,
        HeldRead.captured_at < _end(partition.month),
        HeldRead.hold_id == LegalHold.id,
        LegalHold.released_at.is_(None),
    )
    with system_scope(session, files.TASK):
        if session.scalar(select(held)):
            return True
        alerted = text(f"SELECT EXISTS (SELECT 1 FROM alert a JOIN {partition.name} r ON r.id = a.read_id)")  # noqa: S608
        return bool(session.execute(alerted).scalar())


def _drop(run: PurgeRun, partition: partitions.Partition, record_id: int) -> tuple[int, int, float] | None:
    """Drop one month: (reads, image files) destroyed and how long the table lock was held (ms), or None
    when it was not dropped."""
    name = partition.name
    with transaction(run.factory) as session, system_scope(session, files.TASK):
        summary = session.execute(
            text(f"SELECT count(*), min(captured_at), max(captured_at) FROM {name}")  # noqa: S608
        ).one()
        images = text(
            f"SELECT plate_image_sha256 FROM {name} WHERE plate_image_sha256 IS NOT NULL UNION "  # noqa: S608
            f"SELECT overview_image_sha256 FROM {name} WHERE overview_image_sha256 IS NOT NULL"
        )
        shas = [row[0] for row in session.execute(images)]
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction(run.factory) as session, system_scope(session, files.TASK):
                session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                session.execute(text("LOCK TABLE plate_read IN ACCESS EXCLUSIVE MODE"))
                locked_at = time.perf_counter()
                if _kept(session, partition):  # a hold or an alert arrived since the survey
                    return None
                session.execute(text(f"DROP TABLE {name}"))
                if summary[0]:
                    count_into(session, record_id, summary[0], summary[1], summary[2])
            held_ms = (time.perf_counter() - locked_at) * 1000
            break
        except OperationalError:
            if attempt == LOCK_ATTEMPTS - 1:
                return None  # busy all along: its rows go in batches instead
            time.sleep(LOCK_RETRY_SECONDS)
    removed, done = 0, set[str]()
    for start in range(0, len(shas), IMAGE_BATCH):
        with transaction(run.factory) as session:
            files.clear_journal(session, done)
            done = files.release_images(session, shas[start : start + IMAGE_BATCH])
        removed += files.unlink_freed(run.factory, run.images_dir, done)
        time.sleep(run.pause_seconds)
    with transaction(run.factory) as session:
        files.clear_journal(session, done)
    return summary[0], removed, held_ms
