"""The training gate's dates: when a record expires, when it is due for renewal, and whose date counts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from plateguard.accounts import training
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.config import AgencySettings
from plateguard.errors import Forbidden, InvalidInput
from tests.conftest import MakeUser

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("completed", "months", "expires"),
    [
        ("2026-11-15", 24, "2028-11-15"),
        ("2026-11-15", 2, "2027-01-15"),
        ("2026-12-10", 1, "2027-01-10"),
        ("2026-01-15", 12, "2027-01-15"),
        ("2026-03-31", 1, "2026-04-30"),  # a 30-day month
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),  # a leap year
        ("2026-05-31", 9, "2027-02-28"),
        ("2026-01-30", 120, "2036-01-30"),
    ],
)
def test_a_record_expires_the_same_day_months_later_or_at_a_shorter_months_end(
    completed: str, months: int, expires: str
) -> None:
    assert training.add_months(dt.date.fromisoformat(completed), months) == dt.date.fromisoformat(expires)


@pytest.fixture()
def course(db: Session) -> training.TrainingCourse:
    for existing in training.courses(session=db):
        existing.required = False  # only this course counts here
    return training.create_course(session=db, name="ALPR 460 refresher", validity_months=12)


@pytest.fixture()
def officer(make_user: MakeUser) -> User:
    return make_user("ofc.okafor", Role.OPERATOR)


@pytest.fixture()
def manager(make_user: MakeUser) -> User:
    return make_user("sgt.training", Role.TRAINING_MANAGER)


def completed(db: Session, user: User, recorder: User, course: training.TrainingCourse, on: dt.date) -> None:
    training.record_for_another(
        session=db, user=user, course=course, completed_on=on, recorded_by=recorder, today=TODAY
    )


def test_training_is_current_through_its_expiry_date_and_lapses_the_day_after(
    db: Session, course: training.TrainingCourse, officer: User, manager: User
) -> None:
    completed(db, officer, manager, course, dt.date(2025, 11, 30))  # expires 2026-11-30
    assert training.training_gaps(session=db, user=officer, today=TODAY) == []
    after = training.training_gaps(session=db, user=officer, today=TODAY + dt.timedelta(days=1))
    assert after == ["required training 'ALPR 460 refresher' expired on 2026-11-30"]


def test_missing_required_training_is_named_and_optional_training_is_not(
    db: Session, course: training.TrainingCourse, officer: User
) -> None:
    training.create_course(session=db, name="Fleet camera care", validity_months=12, required=False)
    gaps = training.training_gaps(session=db, user=officer, today=TODAY)
    assert gaps == ["required training 'ALPR 460 refresher' is not on record"]


@pytest.mark.parametrize(
    ("completed_on", "due"),
    [
        ("2025-11-30", True),  # expires today
        ("2025-12-30", True),  # expires in 30 days, the last day of the reminder window
        ("2025-12-31", False),  # 31 days
        ("2025-11-29", False),  # expired yesterday: a gap, no longer a reminder
    ],
)
def test_renewal_reminders_cover_today_through_thirty_days(
    db: Session, course: training.TrainingCourse, officer: User, manager: User, completed_on: str, due: bool
) -> None:
    completed(db, officer, manager, course, dt.date.fromisoformat(completed_on))
    soon = training.expiring_soon(session=db, user=officer, today=TODAY)
    assert [record.course.name for record in soon] == (["ALPR 460 refresher"] if due else [])


def test_a_completion_today_is_accepted_and_tomorrow_is_refused_naming_the_date_field(
    db: Session, course: training.TrainingCourse, officer: User, manager: User
) -> None:
    completed(db, officer, manager, course, TODAY)
    with pytest.raises(InvalidInput, match="in the future") as refused:
        completed(db, officer, manager, course, TODAY + dt.timedelta(days=1))
    assert refused.value.field == "completed_on"


def test_a_record_keeps_its_notes_and_is_not_marked_as_a_statement_at_setup(
    db: Session, course: training.TrainingCourse, officer: User, manager: User
) -> None:
    record = training.record_for_another(
        session=db,
        user=officer,
        course=course,
        completed_on=TODAY,
        recorded_by=manager,
        today=TODAY,
        notes="POST ALPR course, certificate 4411",
    )
    plain = training.record_for_another(
        session=db, user=officer, course=course, completed_on=TODAY, recorded_by=manager, today=TODAY
    )
    assert record.notes == "POST ALPR course, certificate 4411" and plain.notes == ""
    assert not record.attested_at_init and not plain.attested_at_init
    assert record.expires_on == dt.date(2027, 11, 30)


def test_nobody_records_their_own_training(
    db: Session, course: training.TrainingCourse, manager: User
) -> None:
    with pytest.raises(Forbidden, match="nobody may record their own training") as refused:
        completed(db, manager, manager, course, TODAY)
    assert refused.value.field == "user_id"


@pytest.mark.parametrize(("zone", "hours"), [("Etc/GMT+12", -12), ("Etc/GMT-14", 14), ("UTC", 0)])
def test_the_agencys_today_is_the_date_in_its_own_zone(zone: str, hours: int) -> None:
    # Etc/ zones count the other way round: GMT+12 is twelve hours behind UTC.
    expected = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).date()
    assert AgencySettings(timezone=zone).today() == expected
