"""Aggregate counts for the dashboard and the public transparency page: counts only, never a plate."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera, CameraStatus
from plateguard.database import utcnow
from plateguard.reads.models import PlateRead


def dashboard_figures(*, session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    since = (now or utcnow()) - dt.timedelta(hours=24)
    with system_scope(session, "statistics"):
        cameras = session.scalar(select(func.count()).select_from(Camera))
        recent = session.scalar(
            select(func.count()).select_from(PlateRead).where(PlateRead.received_at >= since)
        )
    return {"Cameras": cameras or 0, "Reads in the last 24 hours": recent or 0}


def transparency_figures(*, session: Session) -> dict[str, int]:
    in_service = select(func.count()).select_from(Camera).where(Camera.status != CameraStatus.RETIRED)
    with system_scope(session, "statistics"):
        cameras = session.scalar(in_service)
        held = session.scalar(select(func.count()).select_from(PlateRead))
    return {"Cameras in service": cameras or 0, "Plate reads held": held or 0}
