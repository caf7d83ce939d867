"""Storing plate reads. Services flush; the request or command commits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera
from plateguard.reads import partitions
from plateguard.reads.images import store_image
from plateguard.reads.models import PlateRead, PlateReadId
from plateguard.reads.plates import normalize_plate
from plateguard.reads.schemas import PlateReadCreate


def create(
    *,
    session: Session,
    camera: Camera,
    read: PlateReadCreate,
    images_dir: Path,
    plate_image: bytes | None = None,
    overview_image: bytes | None = None,
) -> PlateRead:
    """Store one read with its images; returns the existing row when the id was stored before."""
    with system_scope(session, "ingest de-duplication"):
        existing = session.get(PlateRead, read.id)
    if existing is not None:
        return existing
    plate_sha = store_image(session=session, images_dir=images_dir, data=plate_image) if plate_image else None
    overview_sha = (
        store_image(session=session, images_dir=images_dir, data=overview_image) if overview_image else None
    )
    row = PlateRead(
        id=read.id,
        camera=camera,
        plate_text=read.plate,
        plate_normalized=normalize_plate(read.plate),
        confidence=read.confidence,
        candidates=[candidate.model_dump() for candidate in read.candidates],
        region=read.region,
        region_confidence=read.region_confidence,
        region_unmapped=read.region_unmapped,
        captured_at=read.captured_at,
        latitude=read.latitude if read.latitude is not None else camera.latitude,
        longitude=read.longitude if read.longitude is not None else camera.longitude,
        heading=read.heading,
        box=list(read.box) if read.box else None,
        vehicle=read.vehicle.model_dump(exclude_none=True),
        plate_image_sha256=plate_sha.sha256 if plate_sha else None,
        overview_image_sha256=overview_sha.sha256 if overview_sha else None,
    )
    partitions.ensure_for(session, [row.captured_at])
    if session.get_bind().dialect.name == "postgresql":  # SQLite: plate_read's primary key is the id
        session.add(PlateReadId(id=read.id, camera_id=camera.id, captured_at=read.captured_at))
    session.add(row)
    session.flush()
    return row
