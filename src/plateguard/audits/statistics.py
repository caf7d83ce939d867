"""Aggregate figures for reports, dashboards and the transparency page: counts only, never a plate.

Figures over ALPR tables run inside the caller's audited access or under ``system_scope("statistics")``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.alerts.models import Alert, AlertOutcome, AlertStatus, CletsResult
from plateguard.audits.rules import SEARCH_ACTIONS
from plateguard.cameras.models import Camera
from plateguard.reads.models import PlateRead
from plateguard.sharing.models import ReleaseRequest, RequesterKind, RequestStatus


@dataclass(frozen=True)
class Series:
    """A chart's data: labels along one axis and one list of counts per named series."""

    title: str
    labels: list[str]
    values: dict[str, list[float]] = field(default_factory=dict)
    unit: str = ""
    stacked: bool = True  # several series add up (parts of a whole); else they stand side by side

    @property
    def empty(self) -> bool:
        return not self.labels or not any(any(v) for v in self.values.values())

    def rows(self) -> list[tuple[str, list[float]]]:
        """Label by label, the value of each series (for the table beside each chart)."""
        return [
            (label, [series[i] for series in self.values.values()]) for i, label in enumerate(self.labels)
        ]


@dataclass(frozen=True)
class Window:
    since: dt.datetime
    until: dt.datetime
    zone: ZoneInfo

    @classmethod
    def of_days(cls, start: dt.date, end: dt.date, zone: ZoneInfo) -> Window:
        begin = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
        finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
        return cls(begin, finish, zone)

    def days(self) -> list[dt.date]:
        first, last = (
            self.since.astimezone(self.zone).date(),
            (self.until - dt.timedelta(seconds=1)).astimezone(self.zone).date(),
        )
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _searches(session: Session, window: Window) -> list[tuple[dt.datetime, str | None, str]]:
    query = select(AccessRecord.occurred_at, AccessRecord.purpose, AccessRecord.username).where(
        AccessRecord.action.in_(SEARCH_ACTIONS),
        AccessRecord.outcome == "ok",
        AccessRecord.user_id.is_not(None),
        AccessRecord.occurred_at >= window.since,
        AccessRecord.occurred_at < window.until,
    )
    return [(when, purpose, user) for when, purpose, user in session.execute(query)]


def searches_per_week_by_purpose(session: Session, window: Window) -> Series:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    weeks: set[str] = set()
    for when, purpose, _ in _searches(session, window):
        local = when.astimezone(window.zone).date()
        week = (local - dt.timedelta(days=local.weekday())).isoformat()
        weeks.add(week)
        counts[purpose or "none given"][week] += 1
    labels = sorted(weeks)
    values = {p: [float(c[w]) for w in labels] for p, c in sorted(counts.items())}
    return Series("Searches per week by purpose", [f"week of {w}" for w in labels], values, "searches")


def searches_by_purpose(session: Session, window: Window) -> Series:
    counts = Counter(purpose or "none given" for _, purpose, _ in _searches(session, window))
    labels = sorted(counts, key=lambda p: (-counts[p], p))
    return Series("Searches by purpose", labels, {"Searches": [float(counts[p]) for p in labels]}, "searches")


def searches_by_user(session: Session, window: Window) -> Series:
    counts = Counter(user for _, _, user in _searches(session, window))
    labels = sorted(counts, key=lambda u: (-counts[u], u))[:25]
    return Series("Searches by user", labels, {"Searches": [float(counts[u]) for u in labels]}, "searches")


def prohibited_refusals(session: Session, window: Window) -> int:
    query = select(AccessRecord.query).where(
        AccessRecord.outcome == "refused",
        AccessRecord.occurred_at >= window.since,
        AccessRecord.occurred_at < window.until,
    )
    return sum(1 for asked in session.scalars(query) if "prohibited_purpose" in asked)


def _camera_names(session: Session) -> dict[int, str]:
    return {camera_id: name for camera_id, name in session.execute(select(Camera.id, Camera.name))}


def alerts_by_outcome(session: Session, window: Window) -> Series:
    """Hotlist hits and how their verification ended (status, or the recorded outcome)."""
    query = select(Alert.status, Alert.outcome, func.count()).where(
        Alert.created_at >= window.since, Alert.created_at < window.until
    )
    with system_scope(session, "statistics"):
        rows = session.execute(query.group_by(Alert.status, Alert.outcome)).all()
    counts: Counter[str] = Counter()
    for status, outcome, n in rows:
        counts[(outcome or status).replace("_", " ")] += int(n)
    labels = sorted(counts)
    return Series(
        "Hotlist hits and their outcomes", labels, {"Alerts": [float(counts[k]) for k in labels]}, "alerts"
    )


def misreads_per_camera(session: Session, window: Window) -> Series:
    query = select(Alert.camera_id, Alert.outcome, Alert.visual_match, Alert.clets_result).where(
        Alert.created_at >= window.since, Alert.created_at < window.until
    )
    with system_scope(session, "statistics"):
        rows = session.execute(query).all()
    names = _camera_names(session)
    checked: Counter[str] = Counter()
    misread: Counter[str] = Counter()
    for camera_id, outcome, visual, clets in rows:
        name = names.get(camera_id, f"camera {camera_id}")
        if outcome is not None or visual is not None or clets is not None:
            checked[name] += 1
        if outcome == AlertOutcome.MISREAD.value or visual is False:
            misread[name] += 1
    labels = sorted(checked)
    rates = [round(100 * misread[c] / checked[c], 1) for c in labels]
    return Series("Misread rate per camera", labels, {"Misreads (% of checked alerts)": rates}, "%")


def misread_counts(session: Session, window: Window) -> tuple[int, int, int]:
    """Hotlist hits in the window, how many were confirmed (CLETS confirmed or enforcement taken) and
    how many were misreads (outcome misread, the visual check failed, or not confirmed)."""
    query = select(Alert.status, Alert.outcome, Alert.visual_match, Alert.clets_result).where(
        Alert.created_at >= window.since, Alert.created_at < window.until
    )
    with system_scope(session, "statistics"):
        rows = session.execute(query).all()
    confirmed = sum(
        1
        for _, outcome, _, clets in rows
        if clets == CletsResult.CONFIRMED.value or outcome == AlertOutcome.ENFORCEMENT_TAKEN.value
    )
    misread = sum(
        1
        for status, outcome, visual, _ in rows
        if outcome == AlertOutcome.MISREAD.value
        or visual is False
        or status == AlertStatus.NOT_CONFIRMED.value
    )
    return len(rows), confirmed, misread


def reads_per_camera_and_day(session: Session, window: Window) -> Series:
    days = window.days()
    names = _camera_names(session)
    values: dict[str, list[float]] = {name: [0.0] * len(days) for name in sorted(names.values())}
    with system_scope(session, "statistics"):
        for index, day in enumerate(days):
            bounds = Window.of_days(day, day, window.zone)
            query = (
                select(PlateRead.camera_id, func.count())
                .where(PlateRead.captured_at >= bounds.since, PlateRead.captured_at < bounds.until)
                .group_by(PlateRead.camera_id)
            )
            for camera_id, n in session.execute(query):
                values[names.get(camera_id, f"camera {camera_id}")][index] = float(n)
    values = {name: counts for name, counts in values.items() if any(counts)}
    return Series("Reads per camera and day", [d.isoformat() for d in days], values, "reads")


PRIVATE_REQUESTERS = "Private persons or companies"


def sharing_by_recipient(session: Session, window: Window, *, name_private: bool) -> Series:
    """Release requests received, approved and refused (by the sharing rules or a decision) per requesting
    agency. With ``name_private=False`` (the public page) private requesters, who may be people, are
    counted together under one label instead of by name; every caller says which it wants."""
    query = select(ReleaseRequest.agency_name, ReleaseRequest.requester_kind, ReleaseRequest.status).where(
        ReleaseRequest.received_at >= window.since, ReleaseRequest.received_at < window.until
    )
    received: Counter[str] = Counter()
    approved: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for agency, kind, status in session.execute(query):
        label = agency if name_private or kind != RequesterKind.PRIVATE.value else PRIVATE_REQUESTERS
        received[label] += 1
        if status in (RequestStatus.APPROVED.value, RequestStatus.FULFILLED.value):
            approved[label] += 1
        if status in (RequestStatus.REFUSED.value, RequestStatus.DENIED.value):
            refused[label] += 1
    labels = sorted(received)
    values = {
        "Received": [float(received[a]) for a in labels],
        "Approved": [float(approved[a]) for a in labels],
        "Refused": [float(refused[a]) for a in labels],
    }
    return Series("Release requests by requesting agency", labels, values, "requests", stacked=False)
