"""Alerts, hotlist history and release requests by their own schedules; the daily run inside the server."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.alerts.models import Alert, AlertStatus, MatchKind
from plateguard.cameras.models import Camera
from plateguard.database import transaction, utcnow
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistSource
from plateguard.retention.jobs import SCHEDULED_RUN_BY, DailyPurge, purge_everything
from plateguard.retention.models import DataKind, DestructionRecord
from tests.conftest import Prepared
from tests.retention.conftest import add_read, approve, read_ids


def add_alert(store: Prepared, read_id: uuid.UUID, *, days_old: int, status: AlertStatus) -> uuid.UUID:
    with transaction(store.factory) as session:
        actor = Actor.system("Test PD", "test")
        hotlist = hotlist_service.create(
            session=session, actor=actor, name=f"List {uuid.uuid4().hex[:6]}", source=HotlistSource.DEPARTMENT
        )
        camera = session.scalars(select(Camera)).one()
        alert = Alert(
            read_id=read_id,
            camera_id=camera.id,
            hotlist_id=hotlist.id,
            entry={"plate": "7ABC123"},
            match_kind=MatchKind.EXACT,
            score=1.0,
            status=status,
            created_at=utcnow() - dt.timedelta(days=days_old),
        )
        session.add(alert)
        session.flush()
        return alert.id


def alert_ids(store: Prepared) -> set[uuid.UUID]:
    with transaction(store.factory) as session, system_scope(session, "test"):
        return set(session.scalars(select(Alert.id)))


def test_old_alerts_go_with_their_reads_but_an_alert_awaiting_its_outcome_keeps_its_read(
    store: Prepared,
) -> None:
    closed_read = add_read(store, days_old=800)
    open_read = add_read(store, days_old=800)
    closed = add_alert(store, closed_read, days_old=800, status=AlertStatus.NOT_CONFIRMED)
    awaiting = add_alert(store, open_read, days_old=800, status=AlertStatus.CONFIRMED)
    approve(store, DataKind.READS, 365)
    approve(store, DataKind.ALERTS, 365)

    reports = purge_everything(factory=store.factory, settings=store.settings, run_by="test")

    assert alert_ids(store) == {awaiting} and closed not in alert_ids(store)
    assert read_ids(store) == {open_read}
    by_kind = {report.kind: report for report in reports}
    assert by_kind[DataKind.ALERTS].deleted == 1 and by_kind[DataKind.READS].kept_for_alerts == 1
    with transaction(store.factory) as session:
        kinds = sorted(record.data_kind for record in session.scalars(select(DestructionRecord)))
        logged = session.scalars(select(AccessRecord).where(AccessRecord.action == "retention.purged")).one()
    assert kinds == ["alerts", "reads"]
    assert logged.query["alerts"]["deleted"] == 1 and logged.result_count == 2


def test_the_daily_purge_runs_once_at_its_hour(store: Prepared) -> None:
    add_read(store, days_old=900)
    approve(store, DataKind.READS, 365)
    daily = DailyPurge(store.factory, store.settings)
    hour = store.settings.retention.daily_purge_hour  # local time, America/Los_Angeles by default
    at_hour = dt.datetime(2026, 7, 1, hour, 5, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    assert daily.run_if_due(at_hour - dt.timedelta(hours=2)) is None
    reports = daily.run_if_due(at_hour)
    assert reports is not None and reports[0].deleted == 1
    assert daily.run_if_due(at_hour + dt.timedelta(minutes=30)) is None  # once a day
    with transaction(store.factory) as session:
        assert session.scalars(select(DestructionRecord.run_by)).one() == SCHEDULED_RUN_BY


def test_decided_release_requests_go_with_their_documents_after_their_period(store: Prepared) -> None:
    from plateguard.sharing import service as releases
    from tests.retention.conftest import actor
    from tests.sharing.test_requests import request_form

    with transaction(store.factory) as session:
        refused = releases.submit(
            session=session,
            actor=actor(session, "custodian"),
            settings=store.settings,
            form=request_form(agency_state="NV"),
            document=b"old letter",
            document_name="old.pdf",
        )
        refused.received_at = utcnow() - dt.timedelta(days=1200)
        pending = releases.submit(
            session=session,
            actor=actor(session, "custodian"),
            settings=store.settings,
            form=request_form(),
            document=b"new letter",
            document_name="new.pdf",
        )
        pending.received_at = utcnow() - dt.timedelta(days=1200)  # undecided: kept whatever its age
        old_sha, new_sha = refused.document_sha256, pending.document_sha256
    approve(store, DataKind.RELEASE_REQUESTS, 1095)
    reports = purge_everything(factory=store.factory, settings=store.settings, run_by="test")
    assert {r.kind: r.deleted for r in reports}[DataKind.RELEASE_REQUESTS] == 1
    folder = releases.documents_dir(store.settings)
    assert not (folder / old_sha).exists() and (folder / new_sha).exists()
