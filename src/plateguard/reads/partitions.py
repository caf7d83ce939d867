"""Monthly partitions of ``plate_read`` on PostgreSQL (migration 0008); nothing to do on SQLite.

Each calendar month (UTC) of capture times is one partition, ``plate_read_mYYYY_MM``, so that retention
can drop a whole month at once. The migration creates the months that hold data and the next ones; a read
for a month without a partition creates it, in the same transaction, under an advisory lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from plateguard.access_log import row_security

PREFIX = "plate_read_m"
PARTITION_LOCK_KEY = 1798905461  # PostgreSQL advisory lock: one creator of partitions at a time
MONTHS_AHEAD = 2


def month_start(moment: dt.datetime) -> dt.date:
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
    return dt.date(utc.year, utc.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{PREFIX}{month:%Y_%m}"


def months_between(first: dt.datetime | None, last: dt.datetime | None) -> list[dt.date]:
    """Every month from the first capture (or now) to the last capture (or now) and two beyond."""
    now = dt.datetime.now(dt.UTC)
    month, end = month_start(min(first or now, now)), month_start(max(last or now, now))
    for _ in range(MONTHS_AHEAD):
        end = next_month(end)
    months = []
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def create_month_partitions(connection: Connection, months: Iterable[dt.date]) -> None:
    for month in sorted(set(months)):
        start, end = month.isoformat(), next_month(month).isoformat()
        connection.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {partition_name(month)} PARTITION OF plate_read "
                f"FOR VALUES FROM ('{start} 00:00:00+00') TO ('{end} 00:00:00+00')"
            )
        )


def ensure_for(session: Session, captured: Iterable[dt.datetime]) -> None:
    """Make sure every month of these capture times has its partition (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    months = {month_start(moment) for moment in captured}
    missing = [m for m in months if not _exists(session, partition_name(m))]
    if not missing or not _partitioned(session):
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK_KEY})
    connection = session.connection()
    if row_security.bound(connection):
        # The application role does not own plate_read: the owner's function makes the month for it.
        for month in sorted(missing):
            connection.execute(text("SELECT plateguard_create_read_partition(:month)"), {"month": month})
    else:
        create_month_partitions(connection, missing)


def _partitioned(session: Session) -> bool:
    query = "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = CAST('plate_read' AS regclass)"
    return bool(session.execute(text(query)).scalar())


def _exists(session: Session, name: str) -> bool:
    return session.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None


@dataclass(frozen=True)
class Partition:
    name: str
    month: dt.date
    rows: int


def partitions(session: Session) -> list[Partition]:
    """The monthly partitions with their (estimated) row counts; empty on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    rows = session.execute(
        text(
            "SELECT c.relname, c.reltuples FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST('plate_read' AS regclass) ORDER BY c.relname"
        )
    )
    found = []
    for name, estimate in rows:
        year, month = name.removeprefix(PREFIX).split("_")
        found.append(Partition(name, dt.date(int(year), int(month), 1), max(0, int(estimate))))
    return found
