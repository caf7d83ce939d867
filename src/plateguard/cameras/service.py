"""Cameras and mobile units. Services flush and write their access records; the caller commits."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts.models import Agency
from plateguard.accounts.passwords import token_hash
from plateguard.cameras.models import (
    Camera,
    CameraKind,
    CameraLogEntry,
    CameraLogKind,
    CameraStatus,
    DeviceToken,
)
from plateguard.database import utcnow
from plateguard.errors import Conflict, InvalidInput, NotAuthenticated, NotFound


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
    actor: Actor,
    agency: Agency,
    name: str,
    kind: CameraKind,
    location: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    direction: str = "",
    expected_interval_minutes: int = 60,
    group: str = "",
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
        group_name=group.strip()[:60],
    )
    session.add(camera)
    session.flush()
    access_log.append(
        session=session, actor=actor, action="cameras.register", query={"camera": name, "kind": kind.value}
    )
    return camera


def add_log_entry(
    *,
    session: Session,
    actor: Actor,
    camera: Camera,
    kind: CameraLogKind,
    occurred_at: dt.datetime,
    notes: str = "",
) -> CameraLogEntry:
    """A maintenance or calibration entry, performed by the actor (named by full name on the log)."""
    entry = CameraLogEntry(
        camera=camera, kind=kind, occurred_at=occurred_at, performed_by=actor.full_name, notes=notes
    )
    session.add(entry)
    session.flush()
    access_log.append(
        session=session, actor=actor, action="cameras.log", query={"camera": camera.name, "kind": kind.value}
    )
    return entry


# Device tokens (460.2): shown once when issued, stored only as a SHA-256 hash, revocable.

TOKEN_PREFIX = "pgd_"  # noqa: S105 - a marker, not a secret


def issue_token(*, session: Session, actor: Actor, camera: Camera) -> tuple[DeviceToken, str]:
    """Create a token for a camera; returns the row and the token text, which is never stored."""
    if camera.status == CameraStatus.RETIRED:
        raise Conflict(f"camera {camera.name!r} is retired", field="camera")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = DeviceToken(
        camera_id=camera.id, token_hash=token_hash(token), prefix=token[:12], created_by=actor.username
    )
    session.add(row)
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="cameras.token_issued",
        query={"camera": camera.name, "token": row.prefix},
    )
    return row, token


def list_tokens(*, session: Session, camera: Camera) -> list[DeviceToken]:
    query = select(DeviceToken).where(DeviceToken.camera_id == camera.id).order_by(DeviceToken.id)
    return list(session.scalars(query))


def revoke_token(
    *, session: Session, actor: Actor, token_id: int, camera: Camera | None = None
) -> DeviceToken:
    """Revoke a token at once (again is harmless); ``camera``, where given, must be the token's own."""
    row = session.get(DeviceToken, token_id)
    if row is None or (camera is not None and row.camera_id != camera.id):
        raise NotFound(f"no device token {token_id}" + (" for this camera" if camera else ""), field="token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="cameras.token_revoked",
        query={"camera": row.camera.name, "token": row.prefix},
    )
    return row


def authenticate_token(*, session: Session, token: str) -> Camera:
    """The camera a live token belongs to; NotAuthenticated for an unknown, revoked or retired one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise NotAuthenticated("device token is malformed", field="authorization")
    row = session.scalar(select(DeviceToken).where(DeviceToken.token_hash == token_hash(token)))
    if row is None or not hmac.compare_digest(row.token_hash, token_hash(token)):
        raise NotAuthenticated("device token is not known", field="authorization")
    if row.revoked_at is not None:
        raise NotAuthenticated("device token was revoked", field="authorization")
    if row.camera.status == CameraStatus.RETIRED:
        raise NotAuthenticated(f"camera {row.camera.name!r} is retired", field="authorization")
    return row.camera


def groups(*, session: Session) -> list[str]:
    """The camera groups in use (e.g. "Downtown", "Highway 120"), for the search form."""
    query = select(Camera.group_name).where(Camera.group_name != "").distinct().order_by(Camera.group_name)
    return list(session.scalars(query))


def get(*, session: Session, camera_id: int) -> Camera | None:
    return session.get(Camera, camera_id)


def set_status(*, session: Session, camera: Camera, status: CameraStatus) -> Camera:
    camera.status = status
    session.flush()
    return camera
