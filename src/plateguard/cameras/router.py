"""Camera management pages for the Administrator (460.2): register, tokens, log, health."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plateguard.access_log.service import Actor
from plateguard.cameras import health as camera_health
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind, CameraLogKind
from plateguard.database import utcnow
from plateguard.errors import InvalidInput, NotFound
from plateguard.ingest import dead_letters
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.templating import render

router = APIRouter()


@router.get("/cameras", response_class=HTMLResponse)
def cameras_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    now = utcnow()
    rows = camera_health.health(session=db, now=now)
    silent = [row for row in rows if row.silent(now)]
    context = {
        "rows": rows,
        "silent": silent,
        "now": now,
        "kinds": list(CameraKind),
        "groups": camera_service.groups(session=db),
        "dead_letters": dead_letters.list_(session=db, limit=20),
        "dead_letter_count": dead_letters.waiting_count(session=db),
    }
    return render(request, "cameras.html", context)


@router.post("/cameras")
def register_camera(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    name: Annotated[str, Form(min_length=2, max_length=100)],
    kind: Annotated[CameraKind, Form()],
    location: Annotated[str, Form(max_length=200)] = "",
    group: Annotated[str, Form(max_length=60)] = "",
    latitude: Annotated[str, Form(max_length=20)] = "",
    longitude: Annotated[str, Form(max_length=20)] = "",
    expected_interval_minutes: Annotated[int, Form(ge=1, le=10080)] = 60,
) -> Response:
    camera = camera_service.create(
        session=db,
        actor=Actor.of(login.user),
        agency=login.user.agency,
        name=name.strip(),
        kind=kind,
        location=location.strip(),
        group=group,
        latitude=_coordinate(latitude, "latitude", 90),
        longitude=_coordinate(longitude, "longitude", 180),
        expected_interval_minutes=expected_interval_minutes,
    )
    return RedirectResponse(f"/cameras/{camera.id}", status_code=303)


def _coordinate(text: str, field: str, bound: float) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{field} must be a number", field=field) from None
    if not -bound <= value <= bound:
        raise InvalidInput(f"{field} must be between -{bound} and {bound}", field=field)
    return value


def _camera(db: DbSession, camera_id: int) -> Camera:
    camera = camera_service.get(session=db, camera_id=camera_id)
    if camera is None:
        raise NotFound(f"no camera {camera_id}")
    return camera


CameraById = Annotated[Camera, Depends(_camera)]


def _detail(request: Request, db: DbSession, camera: Camera, new_token: str | None = None) -> Response:
    [row] = [row for row in camera_health.health(session=db) if row.camera.id == camera.id]
    context = {
        "camera": camera,
        "health": row,
        "silent": row.silent(utcnow()),
        "tokens": camera_service.list_tokens(session=db, camera=camera),
        "log_kinds": list(CameraLogKind),
        "new_token": new_token,
        "today": request.app.state.settings.agency.today().isoformat(),
    }
    return render(request, "camera.html", context)


@router.get("/cameras/{camera_id}", response_class=HTMLResponse)
def camera_page(request: Request, db: DbSession, login: CurrentLogin, camera: CameraById) -> Response:
    return _detail(request, db, camera)


@router.post("/cameras/{camera_id}/log")
def record_log_entry(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    camera: CameraById,
    kind: Annotated[CameraLogKind, Form()],
    occurred_on: Annotated[dt.date, Form()],
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    agency = request.app.state.settings.agency
    zone = agency.timezone
    if occurred_on > agency.today():
        raise InvalidInput("The date is in the future", field="occurred_on")
    # Noon of the agency's day: the date reads the same in every zone the log is shown in.
    occurred_at = dt.datetime.combine(occurred_on, dt.time(12), ZoneInfo(zone)).astimezone(dt.UTC)
    camera_service.add_log_entry(
        session=db, actor=Actor.of(login.user), camera=camera, kind=kind, occurred_at=occurred_at, notes=notes
    )
    return RedirectResponse(f"/cameras/{camera.id}", status_code=303)


@router.post("/cameras/{camera_id}/tokens", response_class=HTMLResponse)
def issue_token(request: Request, db: DbSession, login: CurrentLogin, camera: CameraById) -> Response:
    """The new token is shown on this one page only; it is stored as a hash."""
    _, token = camera_service.issue_token(session=db, actor=Actor.of(login.user), camera=camera)
    response = _detail(request, db, camera, new_token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/cameras/{camera_id}/tokens/{token_id}/revoke")
def revoke_token(db: DbSession, login: CurrentLogin, camera: CameraById, token_id: int) -> Response:
    camera_service.revoke_token(session=db, actor=Actor.of(login.user), token_id=token_id, camera=camera)
    return RedirectResponse(f"/cameras/{camera.id}", status_code=303)
