"""Misread statistics per camera and overall: how often verified alerts turned out to be misreads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.alerts.models import Alert, AlertOutcome, AlertStatus
from plateguard.cameras.models import Camera


@dataclass(frozen=True)
class MisreadFigures:
    camera: str
    alerts: int
    checked: int  # alerts with a visual or CLETS result, or an outcome
    misreads: int  # outcome "misread", or the visual check said no

    @property
    def misread_rate(self) -> float | None:
        return self.misreads / self.checked if self.checked else None


def misread_statistics(*, session: Session) -> tuple[list[MisreadFigures], MisreadFigures]:
    """Figures per camera (by name) and for the whole system; aggregate counts only."""
    checked = case(
        (
            (Alert.visual_match.is_not(None))
            | (Alert.clets_result.is_not(None))
            | (Alert.outcome.is_not(None)),
            1,
        ),
        else_=0,
    )
    misread = case(
        ((Alert.outcome == AlertOutcome.MISREAD.value) | (Alert.visual_match.is_(False)), 1), else_=0
    )
    query = (
        select(Camera.name, func.count(Alert.id), func.sum(checked), func.sum(misread))
        .join(Camera, Camera.id == Alert.camera_id)
        .group_by(Camera.name)
        .order_by(Camera.name)
    )
    with system_scope(session, "statistics"):
        rows = [
            MisreadFigures(name, int(n), int(c or 0), int(m or 0)) for name, n, c, m in session.execute(query)
        ]
    total = MisreadFigures(
        "All cameras",
        sum(r.alerts for r in rows),
        sum(r.checked for r in rows),
        sum(r.misreads for r in rows),
    )
    return rows, total


__all__ = ["AlertStatus", "MisreadFigures", "misread_statistics"]
