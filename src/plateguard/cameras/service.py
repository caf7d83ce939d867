"""Cameras and mobile units. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.accounts.models import Agency
from plateguard.cameras.models import Camera, CameraKind, CameraLogEntry, CameraLogKind
from plateguard.errors import Conflict, InvalidInput, NotFound


def get_by_name(*, session: Session, name: str) -> Camera | None:
    return session.scalar(select(Camera).where(Camera.name == name))


def require_by_name(*, session: Session, name: str) -> Camera:
    camera = get_by_name(session=session, name=name)
    if camera is None:
        raise NotFound(f"no camera named {name!r}", field="camera")
    return camera


def list_(*, session: Session) -> list[Camera]:
    return list(session.scalars(select(Camera).order_by(Camera.name)))


def create(
    *,
    session: Session,
    agency: Agency,
    name: str,
    kind: CameraKind,
    location: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    direction: str = "",
    expected_interval_minutes: int = 60,
) -> Camera:
    if get_by_name(session=session, name=name) is not None:
        raise Conflict(f"camera {name!r} already exists", field="name")
    if (latitude is None) != (longitude is None):
        raise InvalidInput("give both latitude and longitude, or neither", field="latitude")
    camera = Camera(
        agency_id=agency.id,
        name=name,
        kind=kind,
        location=location,
        latitude=latitude,
        longitude=longitude,
        direction=direction,
        expected_interval_minutes=expected_interval_minutes,
    )
    session.add(camera)
    session.flush()
    return camera


def add_log_entry(
    *,
    session: Session,
    camera: Camera,
    kind: CameraLogKind,
    occurred_at: dt.datetime,
    performed_by: str,
    notes: str = "",
) -> CameraLogEntry:
    entry = CameraLogEntry(
        camera=camera, kind=kind, occurred_at=occurred_at, performed_by=performed_by, notes=notes
    )
    session.add(entry)
    session.flush()
    return entry
