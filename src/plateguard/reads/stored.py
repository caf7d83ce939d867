"""What ingest hands to hotlist matching for each read it stored or updated: one typed contract."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, TypedDict

from plateguard.reads.models import PlateRead


class CandidateRow(TypedDict):
    """One of the reader's candidate readings, as stored in ``plate_read.candidates``."""

    plate: str
    confidence: float


@dataclass(frozen=True)
class StoredRead:
    """A read just stored (or updated by a better reading of its pass), as matching takes it."""

    id: uuid.UUID
    camera_id: int
    plate_normalized: str
    region: str | None
    candidates: tuple[CandidateRow, ...]
    captured_at: dt.datetime

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> StoredRead:
        """From the values of a ``plate_read`` row as ingest inserts it."""
        return cls(
            row["id"],
            row["camera_id"],
            row["plate_normalized"],
            row["region"],
            _candidates(row["candidates"]),
            row["captured_at"],
        )

    @classmethod
    def of(cls, read: PlateRead) -> StoredRead:
        return cls(
            read.id,
            read.camera_id,
            read.plate_normalized,
            read.region,
            _candidates(read.candidates),
            read.captured_at,
        )


def _candidates(stored: list[dict[str, Any]] | None) -> tuple[CandidateRow, ...]:
    rows = stored or ()
    return tuple(
        CandidateRow(plate=str(c.get("plate") or ""), confidence=float(c.get("confidence") or 0))
        for c in rows
    )
