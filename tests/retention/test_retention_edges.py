"""The edges of retention: a read exactly at the cutoff, the one-year floor to the day, equal schedules,
what a survey counts, and a schedule that became too short while it waited for approval."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from plateguard.access_log.models import AccessRecord
from plateguard.alerts.models import AlertStatus
from plateguard.database import transaction, utcnow
from plateguard.errors import Conflict, InvalidInput
from plateguard.reads.images import image_path
from plateguard.retention import holds
from plateguard.retention import purge as purge_service
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind, DestructionRecord, HoldReason, RetentionSchedule
from plateguard.retention.schemas import HoldCreate, HoldCriteria, ScheduleCreate
from tests.conftest import Prepared
from tests.retention.conftest import actor, add_read, approve, picture, read_ids
from tests.retention.test_other_kinds import add_alert


def propose(store: Prepared, kind: DataKind, days: int, override: str = "") -> int:
    with transaction(store.factory) as session:
        form = ScheduleCreate(data_kind=kind, days=days, legal_override=override)
        return schedules.propose(session=session, actor=actor(session, "custodian"), form=form).id


def decide(store: Prepared, schedule_id: int, *, approve: bool, note: str = "") -> RetentionSchedule:
    with transaction(store.factory) as session:
        return schedules.decide(
            session=session,
            actor=actor(session, "lieutenant"),
            schedule_id=schedule_id,
            approve=approve,
            note=note,
        )


def captured_at(store: Prepared, read_id: object) -> dt.datetime:
    from plateguard.access_log.guard import system_scope
    from plateguard.reads.models import PlateRead

    with transaction(store.factory) as session, system_scope(session, "test"):
        read = session.get(PlateRead, read_id)
        assert read is not None
        return read.captured_at


def run_at(store: Prepared, now: dt.datetime) -> purge_service.PurgeReport:
    run = purge_service.PurgeRun(store.factory, store.settings.images_dir, "edge test", pause_seconds=0)
    return purge_service.purge_reads(run, now=now)


def test_a_decision_is_recorded_with_who_when_and_what(store: Prepared) -> None:
    schedule_id = propose(store, DataKind.READS, 365)
    approved = decide(store, schedule_id, approve=True, note="x" * 2100)
    assert approved.decided_by == "Lieutenant (lieutenant)" and approved.decided_at is not None
    assert approved.decision_note == "x" * 2000
    rejected = decide(store, propose(store, DataKind.ALERTS, 30), approve=False, note="no")
    assert rejected.status == "rejected" and rejected.decided_by == "Lieutenant (lieutenant)"
    with transaction(store.factory) as session:
        records = session.scalars(
            select(AccessRecord)
            .where(AccessRecord.action.in_(["retention.schedule_approved", "retention.schedule_rejected"]))
            .order_by(AccessRecord.sequence)
        ).all()
    assert [(r.action, r.username) for r in records] == [
        ("retention.schedule_approved", "lieutenant"),
        ("retention.schedule_rejected", "lieutenant"),
    ]
    assert records[0].query == {
        "schedule": schedule_id,
        "kind": "reads",
        "days": 365,
        "legal_override": "",
        "note": "x" * 2000,
    }
    assert records[1].query["note"] == "no" and records[1].query["kind"] == "alerts"


def test_a_decided_schedule_cannot_be_decided_again(store: Prepared) -> None:
    schedule_id = propose(store, DataKind.READS, 365)
    decide(store, schedule_id, approve=True, note="x" * 2100)
    with pytest.raises(Conflict, match="already approved") as again:
        decide(store, schedule_id, approve=False)
    assert again.value.field == "schedule_id"


def test_the_one_year_floor_is_exactly_365_days(store: Prepared) -> None:
    with pytest.raises(InvalidInput, match=r"34090\.6") as refused:
        propose(store, DataKind.READS, 364)
    assert refused.value.field == "days"
    assert decide(store, propose(store, DataKind.READS, 365), approve=True).status == "approved"
    # The floor is for reads: other kinds of data may be kept shorter than a year.
    assert decide(store, propose(store, DataKind.ALERTS, 30), approve=True).status == "approved"


def test_the_access_log_may_be_kept_exactly_as_long_as_the_reads(store: Prepared) -> None:
    approve(store, DataKind.READS, 400)
    with pytest.raises(InvalidInput, match=r"at least as long as the reads it describes \(400 days\)") as low:
        propose(store, DataKind.ACCESS_LOG, 399)
    assert low.value.field == "days"
    assert decide(store, propose(store, DataKind.ACCESS_LOG, 400), approve=True).status == "approved"
    # Reads may then be kept as long as their access records, not longer.
    assert decide(store, propose(store, DataKind.READS, 400), approve=True).status == "approved"
    with pytest.raises(InvalidInput, match="would outlive their access records") as longer:
        propose(store, DataKind.READS, 401)
    assert longer.value.field == "days"


def test_without_a_reads_schedule_the_access_log_floor_is_one_year(store: Prepared) -> None:
    with pytest.raises(InvalidInput, match=r"\(365 days\)"):
        propose(store, DataKind.ACCESS_LOG, 364)
    assert decide(store, propose(store, DataKind.ACCESS_LOG, 365), approve=True).status == "approved"


def test_a_schedule_that_became_too_short_while_waiting_is_not_approved(store: Prepared) -> None:
    waiting = propose(store, DataKind.ACCESS_LOG, 400)
    approve(store, DataKind.READS, 730)
    with pytest.raises(InvalidInput, match=r"\(730 days\)"):
        decide(store, waiting, approve=True)
    rejected = decide(store, waiting, approve=False, note="  too short now  ")
    assert (rejected.status, rejected.decision_note) == ("rejected", "too short now")
    with transaction(store.factory) as session:
        assert schedules.in_force(session=session, kind=DataKind.ACCESS_LOG) is None


def test_the_newest_approval_is_in_force_and_each_kind_has_its_own(store: Prepared) -> None:
    first = approve(store, DataKind.READS, 500)
    second = approve(store, DataKind.READS, 400)
    propose(store, DataKind.READS, 600)  # proposed only: not in force
    alerts = approve(store, DataKind.ALERTS, 90)
    with transaction(store.factory) as session:
        reads = schedules.in_force(session=session, kind=DataKind.READS)
        assert reads is not None and reads.id == second != first
        alert_schedule = schedules.in_force(session=session, kind=DataKind.ALERTS)
        assert alert_schedule is not None and alert_schedule.id == alerts
        assert alert_schedule.decision_note == ""  # approved without a note


def test_the_cutoff_is_the_schedule_length_before_now() -> None:
    schedule = RetentionSchedule(days=400)
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert schedules.cutoff(schedule, now=now) == dt.datetime(2025, 1, 25, 12, 0, tzinfo=dt.UTC)
    without = schedules.cutoff(schedule)
    expected = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    assert abs((without - expected).total_seconds()) < 60


def test_a_survey_counts_expired_held_and_alert_kept_reads_apart(store: Prepared) -> None:
    add_read(store, days_old=400)
    add_read(store, days_old=401, plate="HELD1")
    alerted = add_read(store, days_old=402)
    recent = add_read(store, days_old=10, plate="HELD1")  # held too, but not expired
    add_alert(store, alerted, days_old=10, status=AlertStatus.NOT_CONFIRMED)
    add_alert(store, recent, days_old=10, status=AlertStatus.UNVERIFIED)  # an alert on another read
    schedule_id = approve(store, DataKind.READS, 365)
    with transaction(store.factory) as session:
        form = HoldCreate(
            case_number="26-000777",
            reason=HoldReason.LITIGATION,
            requester="City Attorney",
            criteria=HoldCriteria(plate="HELD1"),
        )
        holds.place(session=session, actor=actor(session, "custodian"), form=form)
    with transaction(store.factory) as session:
        report = purge_service.survey(session=session)
    assert (report.expired, report.held, report.kept_for_alerts) == (3, 1, 1)
    assert report.schedule_id == schedule_id and report.note == ""
    assert report.cutoff is not None
    purged = run_at(store, dt.datetime.now(dt.UTC))
    assert purged.deleted == 1  # the held read and the alert's read stay


def test_a_read_exactly_one_period_old_is_kept_and_one_microsecond_older_goes(store: Prepared) -> None:
    read = add_read(store, days_old=500)
    approve(store, DataKind.READS, 365)
    boundary = captured_at(store, read) + dt.timedelta(days=365)
    with transaction(store.factory) as session:
        survey = purge_service.survey(session=session, now=boundary)
        assert survey.cutoff == boundary - dt.timedelta(days=365)
        assert (survey.expired, survey.held, survey.kept_for_alerts) == (0, 0, 0)
    assert run_at(store, boundary).deleted == 0 and read in read_ids(store)
    later = boundary + dt.timedelta(microseconds=1)
    with transaction(store.factory) as session:
        assert purge_service.survey(session=session, now=later).expired == 1
    assert run_at(store, later).deleted == 1 and read not in read_ids(store)


def test_the_record_names_the_oldest_and_newest_destroyed_and_both_images_go(store: Prepared) -> None:
    newest, middle, oldest = (add_read(store, days_old=days) for days in (400, 500, 600))
    overview = add_read(store, days_old=450, plate="7OVR123", image=picture(31), overview=picture(32))
    times = {read: captured_at(store, read) for read in (newest, middle, oldest)}
    approve(store, DataKind.READS, 365)
    assert run_at(store, utcnow()).deleted == 4
    assert not {newest, middle, oldest, overview} & read_ids(store)
    with transaction(store.factory) as session:
        record = session.scalars(select(DestructionRecord)).one()
    assert (record.count, record.oldest, record.newest) == (4, times[oldest], times[newest])
    for seed in (31, 32):
        sha = hashlib.sha256(picture(seed)).hexdigest()
        assert not image_path(store.settings.images_dir, sha).exists(), seed
