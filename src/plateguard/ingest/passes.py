"""Updates of a vehicle pass: a later, more confident reading of a read already stored replaces its plate.

Recognisers re-publish their best plate as a pass goes on (Frigate sends ``ABC1234`` at 0.71, then
``ABC123`` at 0.93, for one event). The read keeps its id, capture time, camera and pictures; the plate
text, confidence and candidates change, the earlier reading stays among the candidates, and the change
is recorded in ``plate_read_revision`` (with whether the read had raised an alert already; that alert
keeps the text it was raised on). Hotlist matching then runs again on the new text.

Only while the pass is fresh (``PASS_UPDATE_WINDOW`` after the read was received): a re-send of an old id
with another plate at a higher confidence, from a broken or compromised camera, would otherwise rewrite a
read that searches, holds and evidence packages already rely on. Later re-sends are duplicates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.alerts.models import Alert
from plateguard.database import utcnow
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead, PlateReadRevision
from plateguard.reads.plates import normalize_plate
from plateguard.reads.stored import StoredRead

MAX_CANDIDATES = 10
PASS_UPDATE_WINDOW = dt.timedelta(minutes=30)
"""A recogniser refines its reading while the vehicle is in view (seconds to a few minutes)."""


def apply_later_readings(
    *, session: Session, readings: Sequence[tuple[int, ReadSubmission]]
) -> list[StoredRead]:
    """Apply each reading that is more confident than, and differs from, its stored read.

    Returns the changed reads as hotlist matching takes them; duplicates return nothing.
    """
    better = {read.id: read for _, read in readings}
    if not better:
        return []
    with system_scope(session, "ingest update of a pass"):
        stored = list(session.scalars(select(PlateRead).where(PlateRead.id.in_(list(better)))))
    changed = []
    fresh_since = utcnow() - PASS_UPDATE_WINDOW
    for row in stored:
        reading = better[row.id]
        if normalize_plate(reading.plate) == row.plate_normalized or reading.confidence <= row.confidence:
            continue
        if row.received_at < fresh_since:
            continue
        changed.append(_apply(session, row, reading))
    if changed:
        session.flush()
    return changed


def _apply(session: Session, row: PlateRead, reading: ReadSubmission) -> StoredRead:
    with system_scope(session, "ingest update of a pass"):
        had_alert = bool(session.scalar(select(exists().where(Alert.read_id == row.id))))
    session.add(
        PlateReadRevision(
            read_id=row.id,
            plate_before=row.plate_text,
            confidence_before=row.confidence,
            plate_after=reading.plate,
            confidence_after=reading.confidence,
            had_alert=had_alert,
        )
    )
    earlier = {"plate": row.plate_text, "confidence": row.confidence}
    candidates = [candidate.model_dump() for candidate in reading.candidates]
    plates = {normalize_plate(candidate["plate"]) for candidate in candidates}
    if row.plate_normalized not in plates:
        candidates = [*candidates[: MAX_CANDIDATES - 1], earlier]
    row.plate_text = reading.plate
    row.plate_normalized = normalize_plate(reading.plate)
    row.confidence = reading.confidence
    row.candidates = candidates
    if reading.region is not None:
        row.region, row.region_confidence = reading.region, reading.region_confidence
    return StoredRead.of(row)


def revisions(*, session: Session, read_id: Any) -> list[PlateReadRevision]:
    """The plate changes of one read, oldest first."""
    query = (
        select(PlateReadRevision).where(PlateReadRevision.read_id == read_id).order_by(PlateReadRevision.id)
    )
    return list(session.scalars(query))
