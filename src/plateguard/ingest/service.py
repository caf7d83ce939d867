"""The one path every door stores reads through: de-duplicated by client id, all or nothing.

Services flush; the request or command commits, and only then is anything acknowledged. A read id is
claimed once across the whole store (``plate_read_id`` on PostgreSQL): a re-send of it, whatever its
capture time, is a duplicate; a later, more confident reading of the same pass updates it
(``ingest/passes.py``); the same id from another camera, or twice in one batch with different content,
is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, Uuid, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera
from plateguard.database import insert_or_skip, utcnow
from plateguard.errors import Conflict, InvalidInput, NotAuthenticated, PlateguardError
from plateguard.ingest import passes
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads import bulk, images, partitions
from plateguard.reads.models import PlateRead, PlateReadId, StoredImage
from plateguard.reads.plates import normalize_plate
from plateguard.reads.stored import StoredRead

# Called once per batch with the rows just inserted or updated (plain dicts, as written), inside the
# same transaction: hotlist matching hooks in here, and loads only the reads that hit a list.
OnStored = Callable[[Session, list[StoredRead]], None]


@dataclass(frozen=True)
class CaptureWindow:
    """How far back and ahead a device's capture time may lie (``[ingest]`` settings)."""

    days_back: int = 730
    minutes_ahead: int = 5

    def check(self, reads: Iterable[tuple[int, ReadSubmission]]) -> None:
        now = utcnow()
        oldest, latest = (
            now - dt.timedelta(days=self.days_back),
            now + dt.timedelta(minutes=self.minutes_ahead),
        )
        for index, read in reads:
            if oldest <= read.captured_at <= latest:
                continue
            field = read.sender_field("captured_at", f"reads.{index}.captured_at")
            problem = f"more than {self.days_back} days ago" if read.captured_at < oldest else "in the future"
            raise InvalidInput(f"{field}: capture time {problem} (check the camera's clock)", field=field)


@dataclass
class StoreResult:
    stored_ids: list[uuid.UUID] = field(default_factory=list)
    duplicate_ids: list[uuid.UUID] = field(default_factory=list)
    updated_ids: list[uuid.UUID] = field(default_factory=list)
    ids: list[uuid.UUID] = field(default_factory=list)


def camera_for_writing(*, session: Session, camera_id: int) -> Camera:
    """Load the camera as the first statement of the transaction (on SQLite: where its write lock is taken).

    Nothing else serialises ingest: ``INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id`` on the id's
    unique key lets the database decide which of two concurrent copies of a read is stored.
    """
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotAuthenticated("the camera of this token no longer exists", field="authorization")
    return camera


_PLATE_READ: Table = PlateRead.__table__  # type: ignore[assignment]
_READ_ID: Table = PlateReadId.__table__  # type: ignore[assignment]


def store_batch(
    *,
    session: Session,
    camera: Camera,
    reads: Sequence[ReadSubmission],
    images_dir: Path,
    on_stored: OnStored | None = None,
    window: CaptureWindow = CaptureWindow(),
) -> StoreResult:
    """Store new reads, update passes, acknowledge known ids as duplicates; any bad read stores nothing."""
    unique = _unique(reads)
    window.check(unique.values())
    written = images.new_files_count(session)
    try:
        return _store(session, camera, reads, unique, images_dir, on_stored)
    except BaseException:
        images.discard_new_files(session, since=written)
        raise


def store_read(
    *,
    session: Session,
    camera: Camera,
    read: ReadSubmission,
    images_dir: Path,
    window: CaptureWindow = CaptureWindow(),
) -> PlateRead:
    """One read through ``store_batch`` (the one way reads are written), returned as stored: how the
    demo and the tests store a read. A re-sent id returns the read stored first."""
    store_batch(session=session, camera=camera, reads=[read], images_dir=images_dir, window=window)
    with system_scope(session, "ingest de-duplication"):
        return session.get_one(PlateRead, read.id)


def _store(
    session: Session,
    camera: Camera,
    reads: Sequence[ReadSubmission],
    unique: dict[uuid.UUID, tuple[int, ReadSubmission]],
    images_dir: Path,
    on_stored: OnStored | None,
) -> StoreResult:
    insert = _claim_then_insert if _id_table(session) is _READ_ID else _insert_new
    new_rows, known = insert(session, camera, unique, images_dir)
    same_pass = [unique[read_id] for read_id in known]
    updated = passes.apply_later_readings(session=session, readings=same_pass)
    result = StoreResult(ids=[read.id for read in reads], stored_ids=[row["id"] for row in new_rows])
    result.updated_ids = [read.id for read in updated]
    changed = set(result.stored_ids) | set(result.updated_ids)
    result.duplicate_ids = [read_id for read_id in result.ids if read_id not in changed]
    if on_stored is not None and (new_rows or updated):
        on_stored(session, [StoredRead.of_row(row) for row in new_rows] + updated)
    return result


Unique = dict[uuid.UUID, tuple[int, ReadSubmission]]
Inserted = tuple[list[dict[str, Any]], dict[uuid.UUID, int]]  # the new rows; the owners of the known ids


def _insert_new(session: Session, camera: Camera, unique: Unique, images_dir: Path) -> Inserted:
    """SQLite: the ids stored before are looked up, the others inserted, skipping any a concurrent
    writer (another process) stored meanwhile."""
    known = _owners(session, list(unique))
    _refuse_foreign(camera, unique, known)
    rows = [
        _row(session, camera, read, images_dir, index)
        for read_id, (index, read) in unique.items()
        if read_id not in known
    ]
    if not rows:
        return [], known
    statement = insert_or_skip(session, _PLATE_READ, key="id").returning(_PLATE_READ.c.id)
    claimed = set(session.scalars(statement, rows))
    if len(claimed) < len(rows):
        _refuse_foreign(camera, unique, _owners(session, [r["id"] for r in rows if r["id"] not in claimed]))
    return [row for row in rows if row["id"] in claimed], known


def _claim_then_insert(session: Session, camera: Camera, unique: Unique, images_dir: Path) -> Inserted:
    """PostgreSQL: every id is claimed in ``plate_read_id`` first (one statement, ``ON CONFLICT DO
    NOTHING RETURNING id``); only the ids not claimed, usually none, are looked up, and only the claimed
    reads are built (images stored) and inserted."""
    ids = [
        {"id": i, "camera_id": camera.id, "captured_at": read.captured_at} for i, (_, read) in unique.items()
    ]
    # INSERT ... SELECT FROM json_to_recordset(<parameter>): the access guard sees a SELECT, though it
    # reads nothing stored (it returns only the ids this batch claimed).
    with system_scope(session, "ingest de-duplication"):
        claimed = set(bulk.insert_rows(session, _READ_ID, ids, skip_conflicts_on="id"))
    known = _owners(session, [read_id for read_id in unique if read_id not in claimed])
    _refuse_foreign(camera, unique, known)
    rows = [
        _row(session, camera, read, images_dir, index)
        for read_id, (index, read) in unique.items()
        if read_id in claimed
    ]
    if rows:
        with system_scope(session, "ingest de-duplication"):
            partitions.ensure_for(session, (row["captured_at"] for row in rows))
            bulk.insert_rows(session, _PLATE_READ, rows)
    return rows, known


def _unique(reads: Sequence[ReadSubmission]) -> dict[uuid.UUID, tuple[int, ReadSubmission]]:
    """One entry per id; the same id twice with different content in one batch is refused."""
    unique: dict[uuid.UUID, tuple[int, ReadSubmission]] = {}
    for index, read in enumerate(reads):
        seen = unique.setdefault(read.id, (index, read))
        if seen[0] != index and seen[1].model_dump() != read.model_dump():
            where = read.sender_field("id", f"reads.{index}.id")
            raise InvalidInput(f"{where}: the same id as reads.{seen[0]} with different content", field=where)
    return unique


def _id_table(session: Session) -> Table:
    """Where a read id is unique: ``plate_read``'s own primary key on SQLite; on PostgreSQL, whose
    partitioned ``plate_read`` is keyed by (id, capture time), the ``plate_read_id`` table."""
    return _READ_ID if session.get_bind().dialect.name == "postgresql" else _PLATE_READ


def _owners(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The camera each of these ids was stored by, for the ids stored before."""
    if not ids:
        return {}
    table = _id_table(session)
    if table is _READ_ID:  # one array parameter: the same short statement for any number of ids
        wanted = table.c.id == any_(bindparam("ids", ids, type_=postgresql.ARRAY(Uuid)))
    else:
        wanted = table.c.id.in_(ids)
    query = select(table.c.id, table.c.camera_id).where(wanted)
    with system_scope(session, "ingest de-duplication"):
        return {read_id: camera_id for read_id, camera_id in session.execute(query)}


def _refuse_foreign(
    camera: Camera, unique: dict[uuid.UUID, tuple[int, ReadSubmission]], owners: dict[uuid.UUID, int]
) -> None:
    for read_id, owner in owners.items():
        if owner != camera.id:
            index, read = unique[read_id]
            where = read.sender_field("id", f"reads.{index}.id")
            raise Conflict(f"{where}: this id belongs to a read of another camera; use a new id", field=where)


def _row(
    session: Session, camera: Camera, read: ReadSubmission, images_dir: Path, index: int
) -> dict[str, Any]:
    plate_sha = _image(session, images_dir, read, "plate_image", index)
    overview_sha = _image(session, images_dir, read, "overview_image", index)
    return {
        "id": read.id,
        "camera_id": camera.id,
        "plate_text": read.plate,
        "plate_normalized": normalize_plate(read.plate),
        "confidence": read.confidence,
        "candidates": [candidate.model_dump() for candidate in read.candidates],
        "region": read.region,
        "region_confidence": read.region_confidence,
        "region_unmapped": read.region_unmapped,
        "captured_at": read.captured_at,
        "received_at": utcnow(),
        "latitude": read.latitude if read.latitude is not None else camera.latitude,
        "longitude": read.longitude if read.longitude is not None else camera.longitude,
        "heading": read.heading,
        "box": list(read.box) if read.box else None,
        "vehicle": read.vehicle.model_dump(exclude_none=True),
        "plate_image_sha256": plate_sha,
        "overview_image_sha256": overview_sha,
    }


def _image(session: Session, images_dir: Path, read: ReadSubmission, ours: str, index: int) -> str | None:
    data: bytes | None = getattr(read, ours)
    reference: str | None = getattr(read, f"{ours}_sha256")
    if data is None and reference is None:
        return None
    where = read.sender_field(ours, f"reads.{index}.{ours}")
    if data is not None:
        try:
            return images.store_image(session=session, images_dir=images_dir, data=data).sha256
        except PlateguardError as exc:
            raise type(exc)(f"{where}: {exc.message}", field=where) from None
    if reference is not None:
        with system_scope(session, "ingest image reference"):
            if session.get(StoredImage, reference) is None:
                raise InvalidInput(
                    f"{where}_sha256: no image with this hash was uploaded", field=f"{where}_sha256"
                )
        return reference
    return None
