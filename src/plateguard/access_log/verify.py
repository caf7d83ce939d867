"""Checking the whole access-log chain: the first record that was altered, removed or inserted."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from plateguard.access_log import anchors
from plateguard.access_log.anchors import Anchor
from plateguard.access_log.chain import HASHED_FIELDS, ChainBreak, hash_values
from plateguard.access_log.models import GENESIS_HASH, AccessChainHead, AccessRecord
from plateguard.database import make_engine

BATCH = 20_000
PARALLEL_FROM = 200_000  # below this, one process is quicker than starting more
# The timestamp is put into its hashed text form by the database itself, so each row arrives ready
# to hash. Row-id order reads the table front to back; a record out of sequence is reported as a break.
_CANONICAL_TIME = {
    "sqlite": "replace(occurred_at, ' ', 'T') || 'Z'",
    "postgresql": "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
}
_OTHER_FIELDS = ", ".join(HASHED_FIELDS[2:])


def _select(dialect: str, low_id: int, high_id: int) -> str:
    return (
        "SELECT id, previous_hash, record_hash, CAST(query AS TEXT), sequence, "  # noqa: S608
        f"{_CANONICAL_TIME[dialect]}, {_OTHER_FIELDS} FROM access_record "
        f"WHERE id >= {int(low_id)} AND id < {int(high_id)} ORDER BY id"
    )


@dataclass(frozen=True)
class VerifyReport:
    records: int
    head_hash: str
    problem: ChainBreak | None
    checkpoints: int = 0
    purged_through: int = 0  # the last record the retention purge destroyed (0: none)

    @property
    def intact(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Stretch:
    """One stretch of the log checked on its own: its ends, so the joins between stretches can be checked."""

    count: int
    first: tuple[int, int, str] | None  # id, sequence, previous hash
    last: tuple[int, str] | None  # sequence, record hash
    problem: ChainBreak | None


def _walk(url: str, dialect: str, low_id: int, high_id: int) -> Stretch:
    """Check hashes and links of the records with low_id <= id < high_id, trusting only the first's link."""
    engine = make_engine(url)
    connection = engine.raw_connection()
    first: tuple[int, int, str] | None = None
    expected_previous, expected_sequence, count = "", 0, 0
    try:
        cursor = connection.cursor()
        cursor.execute(_select(dialect, low_id, high_id))
        while batch := cursor.fetchmany(BATCH):
            for raw in batch:
                record_id, previous, recorded, sequence = raw[0], raw[1], raw[2], raw[4]
                if first is None:
                    first, expected_previous, expected_sequence = (
                        (record_id, sequence, previous),
                        previous,
                        sequence,
                    )
                problem = _check(raw, expected_previous, expected_sequence)
                if problem is not None:
                    return Stretch(count, first, None, problem)
                expected_previous, expected_sequence, count = recorded, sequence + 1, count + 1
    finally:
        connection.close()
        engine.dispose()
    last = (expected_sequence - 1, expected_previous) if first is not None else None
    return Stretch(count, first, last, None)


def _check(raw: Sequence[Any], expected_previous: str, expected_sequence: int) -> ChainBreak | None:
    record_id, previous, recorded, query_json, sequence = raw[:5]
    broken_link = _link_break(record_id, sequence, previous, expected_previous, expected_sequence)
    if broken_link is not None:
        return broken_link
    if hash_values(previous, raw[4:], query_json) != recorded:
        return ChainBreak(sequence, record_id, "altered: its content does not match its hash")
    return None


def _link_break(
    record_id: int, sequence: int, previous: str, expected_previous: str, expected_sequence: int
) -> ChainBreak | None:
    """Whether a record fails to follow the one before it (a gap, a renumbering or a foreign link)."""
    if sequence != expected_sequence:
        problem = "removed" if sequence > expected_sequence else "inserted or renumbered"
        return ChainBreak(expected_sequence, record_id, f"record {expected_sequence} {problem}")
    if previous != expected_previous:
        return ChainBreak(sequence, record_id, "inserted: it does not follow the record before it")
    return None


def _join(stretches: list[Stretch], start: Anchor) -> tuple[int, ChainBreak | None]:
    """The first break in id order: each stretch must start where the one before it ended, the first
    where the kept chain starts (the first record, or the one after the last a purge destroyed)."""
    previous_end: tuple[int, str] = (start.sequence, start.record_hash)
    count = 0
    for stretch in stretches:
        if stretch.first is not None:
            broken_link = _link_break(*stretch.first, previous_end[1], previous_end[0] + 1)
            if broken_link is not None:
                return count, broken_link
        count += stretch.count
        if stretch.problem is not None:
            return count, stretch.problem
        previous_end = stretch.last or previous_end
    return count, None


def _check_all(engine: Engine, start: Anchor) -> tuple[int, ChainBreak | None]:
    """Large logs are checked in stretches by several processes (the chain's links make that safe).

    Records at or below the purge anchor are destroyed or about to be (a purge that stopped part way);
    the check starts at the first record after it.
    """
    with engine.connect() as connection:
        low, high, rows = connection.execute(
            select(func.min(AccessRecord.id), func.max(AccessRecord.id), func.count()).where(
                AccessRecord.sequence > start.sequence
            )
        ).one()
    if not rows:
        return 0, None
    url, dialect = engine.url.render_as_string(hide_password=False), engine.dialect.name
    workers = min(os.cpu_count() or 1, 8) if rows >= PARALLEL_FROM else 1
    step = (high - low) // workers + 1
    bounds = [(low + i * step, min(low + (i + 1) * step, high + 1)) for i in range(workers)]
    if workers == 1:
        return _join([_walk(url, dialect, *bounds[0])], start)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        stretches = list(pool.map(_walk, [url] * workers, [dialect] * workers, *zip(*bounds, strict=True)))
    return _join(stretches, start)


def verify_chain(engine: Engine, data_dir: Path | None = None) -> VerifyReport:
    """The chain on its own, then (given the data directory) against every signed checkpoint."""
    start = anchors.current(engine)
    report = _verify_links(engine, start)
    if data_dir is None:
        return report
    from plateguard.access_log.checkpoints import check_against

    checked, problem = check_against(engine, data_dir, (start.sequence, start.record_hash))
    first = report.problem
    for found in (problem, anchors.check_signatures(engine, data_dir)):
        if found is not None and (first is None or found.sequence < first.sequence):
            first = found
    return VerifyReport(report.records, report.head_hash, first, checked, start.sequence)


def _verify_links(engine: Engine, start: Anchor) -> VerifyReport:
    records, problem = _check_all(engine, start)
    with engine.connect() as connection:
        head = connection.execute(select(AccessChainHead.sequence, AccessChainHead.last_hash)).first()
        last = connection.execute(
            select(AccessRecord.sequence, AccessRecord.record_hash)
            .order_by(AccessRecord.sequence.desc())
            .limit(1)
        ).first()
    head_sequence, head_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
    last_sequence, last_hash = (last[0], last[1]) if last else (start.sequence, start.record_hash)
    if problem is None and (last_sequence, last_hash) != (head_sequence, head_hash):
        problem = ChainBreak(
            last_sequence + 1, None, f"records after {last_sequence} removed (chain head is {head_sequence})"
        )
    return VerifyReport(records=records, head_hash=head_hash, problem=problem, purged_through=start.sequence)
