"""The one path every door stores reads through: de-duplicated by client id, all or nothing.

Services flush; the request or command commits, and only then is anything acknowledged.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera
from plateguard.database import insert_or_skip, utcnow
from plateguard.errors import InvalidInput, NotAuthenticated, PlateguardError
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads import partitions
from plateguard.reads.images import store_image
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.reads.plates import normalize_plate

# Called once per batch with the rows just inserted (plain dicts, as written), inside the same
# transaction: hotlist matching hooks in here, and loads only the reads that hit a list.
OnStored = Callable[[Session, list[dict[str, Any]]], None]


@dataclass
class StoreResult:
    stored_ids: list[uuid.UUID] = field(default_factory=list)
    duplicate_ids: list[uuid.UUID] = field(default_factory=list)
    ids: list[uuid.UUID] = field(default_factory=list)


def camera_for_writing(*, session: Session, camera_id: int) -> Camera:
    """Load the camera as the first statement of the transaction (on SQLite: where its write lock is taken).

    Nothing else serialises ingest: ``INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id`` lets the
    database decide which of two concurrent copies of a read is stored, and only that one is matched.
    """
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotAuthenticated("the camera of this token no longer exists", field="authorization")
    return camera


_SQLITE_WRITER = threading.Lock()
_PLATE_READ: Table = PlateRead.__table__  # type: ignore[assignment]


@contextmanager
def sqlite_writer(session: Session) -> Iterator[None]:
    """On SQLite, let one thread of this process write at a time: waiting threads get the database the
    moment it is free instead of polling SQLite's busy handler. A no-op on PostgreSQL."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITER:
        yield


def store_batch(
    *,
    session: Session,
    camera: Camera,
    reads: Sequence[ReadSubmission],
    images_dir: Path,
    on_stored: OnStored | None = None,
) -> StoreResult:
    """Store new reads, acknowledge known ids as duplicates; any bad read raises and stores nothing."""
    result = StoreResult(ids=[read.id for read in reads])
    unique: dict[uuid.UUID, tuple[int, ReadSubmission]] = {}
    for index, read in enumerate(reads):
        unique.setdefault(read.id, (index, read))
    rows = [_row(session, camera, read, images_dir, f"reads.{index}") for index, read in unique.values()]
    inserted = _insert_new(session, rows)
    result.stored_ids = [row["id"] for row in rows if row["id"] in inserted]
    result.duplicate_ids = [read_id for read_id in result.ids if read_id not in inserted]
    if on_stored is not None and result.stored_ids:
        on_stored(session, [row for row in rows if row["id"] in inserted])
    return result


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the reads not stored before (one multi-row statement); returns the ids it stored."""
    if not rows:
        return set()
    partitions.ensure_for(session, (row["captured_at"] for row in rows))
    key = partitions.conflict_key(session)
    statement = insert_or_skip(session, _PLATE_READ, key=key).returning(_PLATE_READ.c.id)
    return set(session.scalars(statement, rows))


def _row(
    session: Session, camera: Camera, read: ReadSubmission, images_dir: Path, where: str
) -> dict[str, Any]:
    plate_sha = _image(session, images_dir, read.plate_image, read.plate_image_sha256, f"{where}.plate_image")
    overview_sha = _image(
        session, images_dir, read.overview_image, read.overview_image_sha256, f"{where}.overview_image"
    )
    return {
        "id": read.id,
        "camera_id": camera.id,
        "plate_text": read.plate,
        "plate_normalized": normalize_plate(read.plate),
        "confidence": read.confidence,
        "candidates": [candidate.model_dump() for candidate in read.candidates],
        "region": read.region,
        "region_confidence": read.region_confidence,
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


def _image(
    session: Session, images_dir: Path, data: bytes | None, reference: str | None, where: str
) -> str | None:
    if data is not None:
        try:
            return store_image(session=session, images_dir=images_dir, data=data).sha256
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
