"""Aggregate counts for the dashboard: counts only, never a plate (audit figures: audits/statistics.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera
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
