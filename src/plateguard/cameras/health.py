"""Camera health for the Administrator (460.2): last read, read rate, and silence notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera, CameraStatus
from plateguard.database import utcnow
from plateguard.reads.models import PlateRead


@dataclass(frozen=True)
class CameraHealth:
    camera: Camera
    last_read_at: dt.datetime | None
    reads_24h: int

    @property
    def reads_per_hour(self) -> float:
        return round(self.reads_24h / 24, 1)

    def silent(self, now: dt.datetime) -> bool:
        """An active camera with no read for longer than its expected interval (or never)."""
        if self.camera.status != CameraStatus.ACTIVE:
            return False
        limit = dt.timedelta(minutes=self.camera.expected_interval_minutes)
        since = self.last_read_at or self.camera.created_at
        return now - since > limit


def health(*, session: Session, now: dt.datetime | None = None) -> list[CameraHealth]:
    now = now or utcnow()
    day_ago = now - dt.timedelta(hours=24)
    with system_scope(session, "camera health statistics"):
        last_query = select(PlateRead.camera_id, func.max(PlateRead.received_at)).group_by(
            PlateRead.camera_id
        )
        last = {row[0]: row[1] for row in session.execute(last_query)}
        recent_query = (
            select(PlateRead.camera_id, func.count())
            .where(PlateRead.received_at >= day_ago)
            .group_by(PlateRead.camera_id)
        )
        recent = {row[0]: row[1] for row in session.execute(recent_query)}
    cameras = session.scalars(select(Camera).order_by(Camera.name))
    return [
        CameraHealth(camera, _aware(last.get(camera.id)), int(recent.get(camera.id, 0))) for camera in cameras
    ]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC (or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
