"""Checking the whole access-log chain: the first record that was altered, removed or inserted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from plateguard.access_log.chain import HASHED_FIELDS, ChainBreak, ChainRow, canonical_time, find_first_break
from plateguard.access_log.models import GENESIS_HASH, AccessChainHead, AccessRecord

BATCH = 20_000
# Row-id order reads the table front to back; a record out of sequence order is reported as a break.
_COLUMNS = ", ".join(HASHED_FIELDS)
_SELECT = (
    f"SELECT id, previous_hash, record_hash, CAST(query AS TEXT), {_COLUMNS} FROM access_record ORDER BY id"  # noqa: S608
)
_TIME = 5  # position of occurred_at in a raw row


@dataclass(frozen=True)
class VerifyReport:
    records: int
    head_hash: str
    problem: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _raw_rows(engine: Engine, counter: list[int]) -> Iterator[ChainRow]:
    """Raw driver rows (no ORM), turned into the hashed form with as little work as possible."""
    sqlite = engine.dialect.name == "sqlite"
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_SELECT)
        while batch := cursor.fetchmany(BATCH):
            for raw in batch:
                values: list[Any] = list(raw[4:])
                values[1] = _sqlite_time(raw[_TIME]) if sqlite else canonical_time(raw[_TIME])
                counter[0] += 1
                yield ChainRow(raw[0], raw[4], raw[1], raw[2], values, raw[3])
    finally:
        connection.close()


def _sqlite_time(stored: str | dt.datetime) -> str:
    if isinstance(stored, dt.datetime):
        return canonical_time(stored)
    text = stored.replace(" ", "T")
    return f"{text}Z" if "." in text else f"{text}.000000Z"


def verify_chain(engine: Engine) -> VerifyReport:
    counter = [0]
    problem = find_first_break(_raw_rows(engine, counter), GENESIS_HASH)
    with engine.connect() as connection:
        head = connection.execute(select(AccessChainHead.sequence, AccessChainHead.last_hash)).first()
        last = connection.execute(
            select(AccessRecord.sequence, AccessRecord.record_hash)
            .order_by(AccessRecord.sequence.desc())
            .limit(1)
        ).first()
    head_sequence, head_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
    last_sequence, last_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    if problem is None and (last_sequence, last_hash) != (head_sequence, head_hash):
        problem = ChainBreak(
            last_sequence + 1, None, f"records after {last_sequence} removed (chain head is {head_sequence})"
        )
    return VerifyReport(records=counter[0], head_hash=head_hash, problem=problem)
