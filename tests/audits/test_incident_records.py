"""Recording a security incident and the notices given for it, on the database: what is refused, what is
stored, and what the access log keeps (Civil Code 1798.29 / 1798.82)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.audits import incidents
from plateguard.audits.models import SecurityIncident
from plateguard.config import IncidentSettings
from plateguard.errors import Conflict, InvalidInput, NotFound
from tests.conftest import TEST_ACTOR

LA = ZoneInfo("America/Los_Angeles")


def record(db: Session, **changes: Any) -> SecurityIncident:
    fields: dict[str, Any] = {
        "discovered_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
        "discovered_by": "  IT analyst  ",
        "data_involved": " one week of reads ",
        "persons_affected": " vehicle owners ",
        "residents_affected": 700,
        "description": " a laptop with an export was stolen ",
    }
    return incidents.record_incident(session=db, actor=TEST_ACTOR, **(fields | changes))


def logged(db: Session, action: str) -> list[dict[str, Any]]:
    query = select(AccessRecord.query).where(AccessRecord.action == action).order_by(AccessRecord.sequence)
    return list(db.scalars(query))


@pytest.mark.parametrize("field", ["discovered_by", "data_involved", "persons_affected"])
def test_an_incident_without_who_found_it_what_data_or_whom_it_touched_is_refused(
    db: Session, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        record(db, **{field: "   "})
    assert refused.value.field == field and field.replace("_", " ") in str(refused.value)
    assert db.scalars(select(SecurityIncident)).first() is None and logged(db, "incident.recorded") == []


def test_a_negative_count_or_a_discovery_in_the_future_is_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as negative:
        record(db, residents_affected=-1)
    assert negative.value.field == "residents_affected"
    with pytest.raises(InvalidInput) as future:
        record(db, discovered_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6))
    assert future.value.field == "discovered_at"
    record(
        db, residents_affected=0, discovered_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)
    )  # clock skew


def test_an_incident_is_stored_trimmed_and_its_recording_is_logged(db: Session) -> None:
    found = dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC)
    incident = record(db, discovered_at=found, description="x" * 9000)
    stored = db.get(SecurityIncident, incident.id)
    assert stored is not None
    assert (stored.discovered_by, stored.data_involved, stored.persons_affected) == (
        "IT analyst",
        "one week of reads",
        "vehicle owners",
    )
    assert len(stored.description) == 8000 and stored.recorded_by == TEST_ACTOR.username
    assert not stored.encrypted_with_key_safe
    assert logged(db, "incident.recorded") == [
        {"incident": incident.id, "discovered": "2026-11-20T17:30:00+00:00", "residents": 700}
    ]


def test_a_notice_is_stored_as_the_end_of_the_day_it_was_given_in_the_agencys_zone(db: Session) -> None:
    incident = record(db, discovered_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    day = dt.datetime.now(LA).date() - dt.timedelta(days=2)
    incidents.record_notice(
        session=db, actor=TEST_ACTOR, incident_id=incident.id, notice="residents", given_on=day, zone=LA
    )
    end_of_day = dt.datetime.combine(day, dt.time(23, 59, 59), LA).astimezone(dt.UTC)
    assert incident.residents_notified_at == end_of_day
    assert logged(db, "incident.notice") == [
        {"incident": incident.id, "notice": "residents", "given_on": day.isoformat()}
    ]
    [residents, general] = incidents.duties(incident, IncidentSettings())
    assert residents.done_at == end_of_day and general.due == end_of_day + dt.timedelta(days=15)


def test_a_notice_given_today_is_not_stored_as_later_than_now(db: Session) -> None:
    incident = record(db)
    before = dt.datetime.now(dt.UTC)
    incidents.record_notice(
        session=db,
        actor=TEST_ACTOR,
        incident_id=incident.id,
        notice="residents",
        given_on=dt.datetime.now(LA).date(),
        zone=LA,
    )
    assert incident.residents_notified_at is not None
    assert before <= incident.residents_notified_at <= dt.datetime.now(dt.UTC)


def test_a_notice_given_at_once_is_never_stored_before_a_discovery_logged_by_a_clock_running_fast(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A discovery may be logged up to five minutes ahead (clock skew); a notice given the same day is
    # then capped at "now", which is earlier: it is stored at the discovery, never before it.
    now = dt.datetime(2026, 11, 20, 20, tzinfo=dt.UTC)  # noon in California
    monkeypatch.setattr(incidents, "utcnow", lambda: now)
    found = now + dt.timedelta(minutes=4)
    incident = record(db, discovered_at=found)
    incidents.record_notice(
        session=db,
        actor=TEST_ACTOR,
        incident_id=incident.id,
        notice="residents",
        given_on=dt.date(2026, 11, 20),
        zone=LA,
    )
    assert incident.residents_notified_at == found


def test_a_notice_dated_before_the_discovery_or_after_today_is_refused(db: Session) -> None:
    found = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    incident = record(db, discovered_at=found)
    first_day = found.astimezone(LA).date()
    for day in (first_day - dt.timedelta(days=1), dt.datetime.now(LA).date() + dt.timedelta(days=1)):
        with pytest.raises(InvalidInput) as refused:
            incidents.record_notice(
                session=db,
                actor=TEST_ACTOR,
                incident_id=incident.id,
                notice="residents",
                given_on=day,
                zone=LA,
            )
        assert refused.value.field == "given_on"
    assert incident.residents_notified_at is None and logged(db, "incident.notice") == []
    incidents.record_notice(
        session=db, actor=TEST_ACTOR, incident_id=incident.id, notice="residents", given_on=first_day, zone=LA
    )
    assert incident.residents_notified_at is not None


def test_each_notice_is_recorded_once_and_the_attorney_generals_only_after_the_residents(db: Session) -> None:
    incident = record(db)
    today = dt.datetime.now(LA).date()

    def notice(kind: str) -> SecurityIncident:
        return incidents.record_notice(
            session=db, actor=TEST_ACTOR, incident_id=incident.id, notice=kind, given_on=today, zone=LA
        )

    with pytest.raises(InvalidInput) as unknown:
        notice("press")
    assert unknown.value.field == "notice" and "residents, attorney_general" in str(unknown.value)
    with pytest.raises(InvalidInput) as early:
        notice("attorney_general")
    assert early.value.field == "notice" and incident.attorney_general_notified_at is None
    notice("residents")
    first = incident.residents_notified_at
    with pytest.raises(Conflict):
        notice("residents")  # an insider cannot move the date once recorded
    assert incident.residents_notified_at == first
    notice("attorney_general")
    assert incident.attorney_general_notified_at is not None
    assert [q["notice"] for q in logged(db, "incident.notice")] == ["residents", "attorney_general"]


def test_incidents_are_listed_newest_discovery_first_and_viewing_them_is_recorded(db: Session) -> None:
    now = dt.datetime.now(dt.UTC)
    older = record(db, discovered_at=now - dt.timedelta(days=9))
    newer = record(db, discovered_at=now - dt.timedelta(days=2))
    oldest = record(db, discovered_at=now - dt.timedelta(days=30))
    shown = incidents.view_incidents(session=db, actor=TEST_ACTOR)
    assert [i.id for i in shown] == [newer.id, older.id, oldest.id]
    viewed = db.execute(
        select(AccessRecord.query, AccessRecord.result_count).where(
            AccessRecord.action == "audit.incidents_viewed"
        )
    ).all()
    assert [tuple(row) for row in viewed] == [({}, 3)]
    with pytest.raises(NotFound):
        incidents.get_incident(session=db, incident_id=oldest.id + 100)


def test_long_answers_are_kept_to_their_columns_and_encryption_is_stored(db: Session) -> None:
    incident = record(
        db,
        discovered_by="d" * 250,
        data_involved="a" * 4100,
        persons_affected="p" * 4100,
        encrypted_with_key_safe=True,
    )
    stored = db.get(SecurityIncident, incident.id)
    assert stored is not None
    assert (len(stored.discovered_by), len(stored.data_involved), len(stored.persons_affected)) == (
        200,
        4000,
        4000,
    )
    assert stored.encrypted_with_key_safe and incidents.duties(stored, IncidentSettings()) == []
