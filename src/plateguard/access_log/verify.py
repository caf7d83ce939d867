"""Checking the whole access-log chain: the first record that was altered, removed or inserted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, RowMapping, select

from plateguard.access_log.chain import ChainBreak, find_first_break
from plateguard.access_log.models import GENESIS_HASH, AccessChainHead, AccessRecord

BATCH = 20_000


@dataclass(frozen=True)
class VerifyReport:
    records: int
    head_hash: str
    problem: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _rows(engine: Engine, counter: list[int]) -> Iterator[RowMapping]:
    table = AccessRecord.__table__
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=BATCH).execute(
            select(table).order_by(table.c.sequence)
        )
        for row in result.mappings():
            counter[0] += 1
            yield row


def verify_chain(engine: Engine) -> VerifyReport:
    counter = [0]
    problem = find_first_break(_rows(engine, counter), GENESIS_HASH)
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
