"""The public transparency page's figures: aggregates only. No plate, no location, no image, and no
person's name but the ALPR Administrator's (shown on the policy page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.audits import service as audits
from plateguard.audits import statistics
from plateguard.audits.statistics import Series, Window
from plateguard.cameras.models import Camera, CameraStatus
from plateguard.config import Settings
from plateguard.database import utcnow
from plateguard.reads.models import PlateRead
from plateguard.retention import service as retention
from plateguard.web.policy_page import RETENTION_LABELS

RECENT_DAYS = 30
YEAR_DAYS = 365


@dataclass(frozen=True)
class LastAudit:
    period: str
    signed_off_on: str
    items: int
    justified: int
    follow_up: int
    violations: int


@dataclass(frozen=True)
class Transparency:
    figures: dict[str, int]
    searches_by_purpose: Series
    releases: Series
    last_audit: LastAudit | None
    retention: dict[str, str]


def figures(*, session: Session, settings: Settings) -> Transparency:
    zone = ZoneInfo(settings.agency.timezone)
    today = utcnow().astimezone(zone).date()
    recent = Window.of_days(today - dt.timedelta(days=RECENT_DAYS - 1), today, zone)
    year = Window.of_days(today - dt.timedelta(days=YEAR_DAYS - 1), today, zone)
    with system_scope(session, "statistics"):
        cameras = dict(
            session.execute(
                select(Camera.status, func.count())
                .where(Camera.status != CameraStatus.RETIRED)
                .group_by(Camera.status)
            ).all()
        )
        reads = session.scalar(
            select(func.count()).select_from(PlateRead).where(PlateRead.captured_at >= recent.since)
        )
    hits, confirmed, misreads = statistics.misread_counts(session, recent)
    return Transparency(
        figures={
            "Cameras in service": int(cameras.get(CameraStatus.ACTIVE, 0)),
            "Cameras under maintenance": int(cameras.get(CameraStatus.MAINTENANCE, 0)),
            f"Plate reads in the last {RECENT_DAYS} days": int(reads or 0),
            f"Hotlist hits in the last {RECENT_DAYS} days": hits,
            "of which confirmed": confirmed,
            "of which misreads or not confirmed": misreads,
            f"Searches refused for a prohibited purpose ({RECENT_DAYS} days)": statistics.prohibited_refusals(
                session, recent
            ),
        },
        searches_by_purpose=statistics.searches_by_purpose(session, recent),
        releases=statistics.sharing_by_recipient(session, year, name_private=False),
        last_audit=_last_audit(session, zone),
        retention=_retention(session),
    )


def _last_audit(session: Session, zone: ZoneInfo) -> LastAudit | None:
    audit = audits.latest_signed(session=session)
    if audit is None or audit.signed_off_at is None:
        return None
    tally = audits.counts(audit)
    return LastAudit(
        period=f"{audit.period_start} to {audit.period_end}",
        signed_off_on=audit.signed_off_at.astimezone(zone).date().isoformat(),
        items=len(audit.items),
        justified=tally["justified"],
        follow_up=tally["needs_follow_up"],
        violations=tally["violation"],
    )


def _retention(session: Session) -> dict[str, str]:
    periods = {}
    for kind, label in RETENTION_LABELS.items():
        schedule = retention.in_force(session=session, kind=kind)
        periods[label] = (
            f"{schedule.days} days" if schedule else "no approved schedule yet: nothing destroyed"
        )
    return periods
