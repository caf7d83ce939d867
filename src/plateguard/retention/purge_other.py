"""Purging the other kinds of data by their schedules, and the purge's access record and summary.

- alerts: older than their schedule, unless their read is held or the alert was confirmed and still
  has no recorded outcome (enforcement may follow); their deliveries go with them.
- hotlist history: entries whose expiry passed the schedule, and resolved notices.
- release requests: decided (refused, routed, denied) or fulfilled requests older than the schedule.
- access log: its oldest records, as a prefix of the hash chain up to a signed anchor
  (``purge_access_log.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import service as access_log
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.alerts.models import Alert, AlertDelivery, AlertStatus
from plateguard.config import Settings
from plateguard.database import transaction, utcnow
from plateguard.hotlists.models import HotlistEntry, HotlistNotice
from plateguard.retention import files
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind, DestructionRecord
from plateguard.retention.purge import PurgeReport, active_hold_on, open_record
from plateguard.sharing.models import ReleaseRequest, RequestStatus

BATCH = 500
FINAL_REQUEST_STATES = (
    RequestStatus.REFUSED,
    RequestStatus.PUBLIC_RECORDS,
    RequestStatus.DENIED,
    RequestStatus.FULFILLED,
)


@dataclass(frozen=True)
class KindPurge:
    kind: DataKind
    expired: Callable[[dt.datetime], ColumnElement[bool]]
    purge: Callable[[Session, dt.datetime], int]  # one batch; returns rows destroyed


def _alerts_expired(cutoff: dt.datetime) -> ColumnElement[bool]:
    awaiting_outcome = and_(Alert.status == AlertStatus.CONFIRMED, Alert.outcome.is_(None))
    return and_(Alert.created_at < cutoff, ~awaiting_outcome, ~active_hold_on(Alert.read_id))


def _purge_alerts(session: Session, cutoff: dt.datetime) -> int:
    ids = list(session.scalars(select(Alert.id).where(_alerts_expired(cutoff)).limit(BATCH)))
    if ids:
        session.execute(delete(AlertDelivery).where(AlertDelivery.alert_id.in_(ids)))
        session.execute(delete(Alert).where(Alert.id.in_(ids)))
    return len(ids)


def _entries_expired(cutoff: dt.datetime) -> ColumnElement[bool]:
    return and_(HotlistEntry.expires_at.is_not(None), HotlistEntry.expires_at < cutoff)


def _purge_hotlist_history(session: Session, cutoff: dt.datetime) -> int:
    ids = list(session.scalars(select(HotlistEntry.id).where(_entries_expired(cutoff)).limit(BATCH)))
    if ids:
        session.execute(delete(HotlistEntry).where(HotlistEntry.id.in_(ids)))
    notices = delete(HotlistNotice).where(
        HotlistNotice.resolved_at.is_not(None), HotlistNotice.resolved_at < cutoff
    )
    return len(ids) + (session.execute(notices).rowcount or 0)  # type: ignore[attr-defined]


def _requests_expired(cutoff: dt.datetime) -> ColumnElement[bool]:
    return and_(ReleaseRequest.received_at < cutoff, ReleaseRequest.status.in_(FINAL_REQUEST_STATES))


def _purge_requests(session: Session, cutoff: dt.datetime) -> int:
    ids = list(session.scalars(select(ReleaseRequest.id).where(_requests_expired(cutoff)).limit(BATCH)))
    if ids:
        session.execute(delete(ReleaseRequest).where(ReleaseRequest.id.in_(ids)))
    return len(ids)


KINDS = (
    KindPurge(DataKind.ALERTS, _alerts_expired, _purge_alerts),
    KindPurge(DataKind.HOTLIST_HISTORY, _entries_expired, _purge_hotlist_history),
    KindPurge(DataKind.RELEASE_REQUESTS, _requests_expired, _purge_requests),
)
_COUNTED = {
    DataKind.ALERTS: Alert,
    DataKind.HOTLIST_HISTORY: HotlistEntry,
    DataKind.RELEASE_REQUESTS: ReleaseRequest,
}


def survey_all(*, session: Session, now: dt.datetime | None = None) -> list[PurgeReport]:
    reports = []
    for item in KINDS:
        report = PurgeReport(item.kind)
        schedule = schedules.in_force(session=session, kind=item.kind)
        if schedule is None:
            report.note = f"no approved retention schedule for {item.kind.value}: nothing is destroyed"
        else:
            report.schedule_id, report.cutoff = schedule.id, schedules.cutoff(schedule, now=now)
            with system_scope(session, files.TASK):
                counted = (
                    select(func.count()).select_from(_COUNTED[item.kind]).where(item.expired(report.cutoff))
                )
                report.expired = session.scalar(counted) or 0
        reports.append(report)
    return reports


def purge_all(*, factory: sessionmaker[Session], settings: Settings, run_by: str) -> list[PurgeReport]:
    """Alerts first (they keep reads), then hotlist history and release requests."""
    with transaction(factory) as session:
        reports = survey_all(session=session)
    for item, report in zip(KINDS, reports, strict=True):
        if report.cutoff is None or not report.expired:
            continue
        record_id = _open(factory, report, run_by)
        while True:
            with transaction(factory) as session, system_scope(session, files.TASK):
                count = item.purge(session, report.cutoff)
                record = session.get(DestructionRecord, record_id)
                assert record is not None
                record.count += count
            report.deleted += count
            if not count:
                break
        with transaction(factory) as session:
            record = session.get(DestructionRecord, record_id)
            assert record is not None
            record.finished_at = utcnow()
    requests = next(r for r in reports if r.kind is DataKind.RELEASE_REQUESTS)
    requests.files += _remove_unused_documents(factory, settings)
    return reports


def _remove_unused_documents(factory: sessionmaker[Session], settings: Settings) -> int:
    """The original documents of destroyed release requests (a rerun removes what a stop left)."""
    folder = settings.data_dir / "release-documents"
    if not folder.is_dir():
        return 0
    with transaction(factory) as session:
        kept = set(session.scalars(select(ReleaseRequest.document_sha256)))
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and not path.name.startswith(files.INCOMING_PREFIX) and path.name not in kept:
            path.unlink()
            removed += 1
    return removed


def _open(factory: sessionmaker[Session], report: PurgeReport, run_by: str) -> int:
    with transaction(factory) as session:
        return open_record(session, report, run_by)


def log_run(*, session: Session, settings: Settings, dry_run: bool, reports: list[PurgeReport]) -> None:
    """One access record per purge run: what was (or would be) destroyed, by kind."""
    access_log.append(
        session=session,
        actor=Actor.system(settings.agency.name, "retention purge"),
        action="retention.purge_dry_run" if dry_run else "retention.purged",
        query={r.kind.value: {"expired": r.expired, "held": r.held, "deleted": r.deleted} for r in reports},
        result_count=sum(r.deleted for r in reports),
    )


def describe(reports: list[PurgeReport], *, dry_run: bool) -> list[str]:
    lines = []
    for r in reports:
        if r.cutoff is None:
            lines.append(f"{r.kind.value}: {r.note}")
            continue
        before = f"{r.kind.value} before {r.cutoff:%Y-%m-%d %H:%M} UTC (schedule {r.schedule_id})"
        kept = f"; {r.held} {'kept' if r.kind is DataKind.ACCESS_LOG else 'held'}" if r.held else ""
        kept += f"; {r.kept_for_alerts} kept for alerts" if r.kept_for_alerts else ""
        if dry_run:
            lines.append(f"DRY RUN {before}: {r.expired} expired{kept}; nothing destroyed")
        else:
            parts = f"; partitions dropped: {', '.join(r.partitions)}" if r.partitions else ""
            lines.append(f"{before}: {r.deleted} destroyed, {r.files} files removed{kept}{parts}")
        if r.note:
            lines[-1] += f" ({r.note})"
    return lines
