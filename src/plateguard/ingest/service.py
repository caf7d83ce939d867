"""The one path every door stores reads through: de-duplicated by client id, all or nothing.

Services flush; the request or command commits, and only then is anything acknowledged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera
from plateguard.errors import InvalidInput, NotAuthenticated, PlateguardError
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.images import store_image
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.reads.plates import normalize_plate

# Called once for every newly stored read, inside the same transaction (hotlist matching hooks in here).
OnStored = Callable[[Session, PlateRead], None]


@dataclass
class StoreResult:
    stored: list[PlateRead] = field(default_factory=list)
    duplicate_ids: list[uuid.UUID] = field(default_factory=list)
    ids: list[uuid.UUID] = field(default_factory=list)


def camera_for_writing(*, session: Session, camera_id: int) -> Camera:
    """Load the camera as the first statement of the transaction, taking SQLite's write lock first.

    On SQLite a transaction that reads and then writes fails at once if another writer committed in
    between; taking the lock up front makes concurrent requests wait (busy timeout) instead.
    """
    take_write_lock(session)
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise NotAuthenticated("the camera of this token no longer exists", field="authorization")
    return camera


def take_write_lock(session: Session) -> None:
    """SQLite only: start the transaction as a writer (an UPDATE that matches no row does that)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Camera).where(Camera.id == -1).values(id=Camera.id))


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
    for attempt in (1, 2):
        known = _known_ids(session, list(unique))
        fresh = [(index, read) for read_id, (index, read) in unique.items() if read_id not in known]
        rows = [_row(session, camera, read, images_dir, f"reads.{index}") for index, read in fresh]
        try:
            with session.begin_nested():
                session.add_all(rows)
        except IntegrityError:  # a concurrent request stored some of the same ids first
            if attempt == 2:
                raise
            continue
        break
    result.stored = rows
    result.duplicate_ids = [read_id for read_id in result.ids if read_id in known]
    if on_stored is not None:
        for row in rows:
            on_stored(session, row)
    return result


def _known_ids(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    with system_scope(session, "ingest de-duplication"):
        return set(session.scalars(select(PlateRead.id).where(PlateRead.id.in_(ids))))


def _row(session: Session, camera: Camera, read: ReadSubmission, images_dir: Path, where: str) -> PlateRead:
    plate_sha = _image(session, images_dir, read.plate_image, read.plate_image_sha256, f"{where}.plate_image")
    overview_sha = _image(
        session, images_dir, read.overview_image, read.overview_image_sha256, f"{where}.overview_image"
    )
    return PlateRead(
        id=read.id,
        camera_id=camera.id,
        plate_text=read.plate,
        plate_normalized=normalize_plate(read.plate),
        confidence=read.confidence,
        candidates=[candidate.model_dump() for candidate in read.candidates],
        region=read.region,
        region_confidence=read.region_confidence,
        captured_at=read.captured_at,
        latitude=read.latitude if read.latitude is not None else camera.latitude,
        longitude=read.longitude if read.longitude is not None else camera.longitude,
        heading=read.heading,
        box=list(read.box) if read.box else None,
        vehicle=read.vehicle.model_dump(exclude_none=True),
        plate_image_sha256=plate_sha,
        overview_image_sha256=overview_sha,
    )


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
