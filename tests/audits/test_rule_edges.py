"""The edges of the counting rules: two cases are already several, a search without a case counts as
"none", a search with no plate is no plate's search, the usual hours end on the hour, training counts on
its first and last day, and each item keeps the access records and cases it is about."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.accounts.training import TrainingRecord
from plateguard.audits import service as audits
from plateguard.config import Settings
from plateguard.hotlists.models import Hotlist, HotlistSource
from tests.audits.conftest import END, PACIFIC, START, Log, at, flagged, run, sequences
from tests.audits.test_rule_sources import release_request
from tests.conftest import complete_training


def test_two_cases_for_one_plate_are_several_and_a_missing_case_is_named_none(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    first = log(people["cole"], "reads.search", at(5, 10), plate="8XYZ999", case="26-1")
    second = log(people["cole"], "reads.search", at(6, 10), plate="8XYZ999", case=None)
    third = log(people["cole"], "reads.search", at(7, 10), plate="8XYZ999", case="26-1")
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "repeat_plate") == [
        "Ofc. Sam Cole (ofc.cole): 3 searches of 8XYZ999 under cases 26-1, none"
    ]
    item = next(item for item in audit.items if item.rule == "repeat_plate")
    assert item.detail == {"sequences": [first, second, third], "cases": ["26-1", "none"]}


def test_searches_with_no_plate_are_not_one_plate_searched_under_several_cases(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    for day, case in ((5, "26-1"), (6, "26-2"), (7, "26-3")):
        log(people["cole"], "reads.search", at(day, 10), query={"plate": "", "camera": "Main St"}, case=case)
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "repeat_plate") == []


def test_the_usual_hours_end_on_the_hour(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    log(people["nair"], "reads.search", at(6, 21, 59))
    ten_pm = log(people["nair"], "reads.search", at(6, 22, 0))
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "outside_hours") == [ten_pm]


def test_a_release_request_received_at_the_first_midnight_is_in_the_period(
    db: Session, settings: Settings, people: dict[str, User]
) -> None:
    first = release_request(db, at(5, 0, 0), purpose="Assist Border Patrol with a removal")
    release_request(db, at(4, 23, 59), purpose="Assist Border Patrol with a removal")
    audit = run(db, settings, people["ruiz"])
    details = [item.detail for item in audit.items if item.rule == "prohibited_text"]
    assert details == [{"release_request": first}]


def test_training_counts_from_its_completion_day_to_its_expiry_day_inclusive(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user, log: Log
) -> None:
    trainee = make_user("ofc.lee", Role.OPERATOR, full_name="Ofc. Jo Lee")
    complete_training(db, trainee, on=dt.date(2026, 10, 6))
    for record in db.scalars(select(TrainingRecord).where(TrainingRecord.user_id == trainee.id)):
        record.expires_on = dt.date(2026, 10, 9)
    db.flush()
    before = log(trainee, "reads.search", at(5, 23, 59))
    log(trainee, "reads.search", at(6, 0, 1))  # the completion day
    log(trainee, "reads.search", at(9, 23, 59))  # the expiry day
    after = log(trainee, "reads.search", at(10, 0, 1))
    audit = run(db, settings, people["ruiz"])
    lapsed = [item.detail for item in audit.items if item.rule == "lapsed_training"]
    assert lapsed == [{"sequences": [before, after]}]


def test_each_user_with_lapsed_training_is_one_item(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user, log: Log
) -> None:
    lee = complete_training(
        db, make_user("ofc.lee", Role.OPERATOR, full_name="Ofc. Jo Lee"), on=dt.date(2024, 1, 5)
    )
    kim = complete_training(
        db, make_user("ofc.kim", Role.OPERATOR, full_name="Ofc. Al Kim"), on=dt.date(2024, 1, 5)
    )
    log(lee, "reads.search", at(6, 10))
    log(kim, "reads.search", at(6, 11))
    log(lee, "reads.view", at(6, 12))
    audit = run(db, settings, people["ruiz"])
    assert sorted(flagged(audit, "lapsed_training")) == [
        "Ofc. Al Kim (ofc.kim): 1 access without current training",
        "Ofc. Jo Lee (ofc.lee): 2 accesses without current training",
    ]


def test_a_trainee_who_gave_the_recorders_account_its_roles_or_password_is_flagged(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user, log: Log
) -> None:
    boss = make_user("lt.vega", Role.ADMINISTRATOR, full_name="Lt. Ana Vega")
    roles_given = make_user("sgt.roles", Role.TRAINING_MANAGER, full_name="Sgt. Roles")
    password_set = make_user("sgt.reset", Role.TRAINING_MANAGER, full_name="Sgt. Reset")
    log(boss, "account.roles", at(5, 9), plate=None, query={"user": "sgt.roles", "to": ["training"]})
    log(boss, "account.password_reset", at(5, 9), plate=None, query={"user": "sgt.reset"})
    course = {"user": "lt.vega", "course": "ALPR 460"}
    by_roles = log(roles_given, "training.recorded", at(5, 10), plate=None, query=course)
    by_reset = log(password_set, "training.recorded", at(5, 11), plate=None, query=course)
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "training_by_own_account") == [by_roles, by_reset]
    details = [item.detail for item in audit.items if item.rule == "training_by_own_account"]
    assert details == [{"trainee": "lt.vega"}, {"trainee": "lt.vega"}]


def test_training_backdated_before_the_oldest_access_record_is_flagged_when_nothing_was_purged(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user
) -> None:
    # An insider inserts a completion and sets its recording time before the first access record ever
    # written: only a purge of the log's oldest records exempts a completion that early.
    inserted = complete_training(db, make_user("ofc.lee", Role.OPERATOR), on=dt.date(2026, 9, 1))
    for record in db.scalars(select(TrainingRecord).where(TrainingRecord.user_id == inserted.id)):
        record.recorded_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    db.flush()
    audit = run(db, settings, people["ruiz"])
    assert [s.split(":")[0] for s in flagged(audit, "training_unrecorded")] == ["ofc.lee"]
    item = next(item for item in audit.items if item.rule == "training_unrecorded")
    assert set(item.detail) == {"training_record_id"}


def test_inserted_training_completed_on_the_last_day_or_expiring_on_the_first_is_checked(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user
) -> None:
    last_day = complete_training(db, make_user("ofc.lee", Role.OPERATOR), on=dt.date(2026, 10, 11))
    first_day = complete_training(db, make_user("ofc.kim", Role.OPERATOR), on=dt.date(2024, 10, 5))
    for record in db.scalars(select(TrainingRecord).where(TrainingRecord.user_id == first_day.id)):
        record.expires_on = dt.date(2026, 10, 5)
    db.flush()
    audit = run(db, settings, people["ruiz"])
    named = sorted(s.split(":")[0] for s in flagged(audit, "training_unrecorded"))
    assert named == sorted([last_day.username, first_day.username])


def test_an_account_last_used_exactly_at_the_inactivity_limit_is_not_yet_flagged(
    db: Session, settings: Settings, people: dict[str, User]
) -> None:
    period_end = dt.datetime.combine(END + dt.timedelta(days=1), dt.time(), PACIFIC).astimezone(dt.UTC)
    limit = period_end - dt.timedelta(days=settings.security.inactivity_suspend_days)
    people["cole"].last_login_at = limit
    people["nair"].last_login_at = limit - dt.timedelta(seconds=1)
    db.flush()
    audit = run(db, settings, people["ruiz"])
    items = [item for item in audit.items if item.rule == "inactive_account"]
    assert [(item.subject.split(":")[0], item.detail) for item in items] == [
        ("Det. Priya Nair (det.nair)", {"user_id": people["nair"].id})
    ]


def test_a_list_loaded_exactly_its_refresh_age_before_the_period_end_is_not_yet_stale(
    db: Session, settings: Settings, people: dict[str, User]
) -> None:
    period_end = dt.datetime.combine(END + dt.timedelta(days=1), dt.time(), PACIFIC).astimezone(dt.UTC)
    on_time = Hotlist(name="NCIC", source=HotlistSource.STATE, refresh_path="/hot/ncic.txt", max_age_hours=24)
    late = Hotlist(name="SVS", source=HotlistSource.STATE, refresh_path="/hot/svs.txt", max_age_hours=24)
    on_time.last_loaded_at = period_end - dt.timedelta(hours=24)
    late.last_loaded_at = period_end - dt.timedelta(hours=24, seconds=1)
    db.add_all([on_time, late])
    db.flush()
    audit = run(db, settings, people["ruiz"])
    items = [item for item in audit.items if item.rule == "stale_hotlist"]
    assert [(item.subject.split(":")[0], item.detail) for item in items] == [
        ("hotlist SVS", {"hotlist_id": late.id})
    ]


def test_an_audit_of_a_period_still_running_checks_purges_up_to_yesterday(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    log(people["ruiz"], "retention.purged", at(5, 2), plate=None, purpose=None, case=None)
    audit = audits.open_audit(
        session=db,
        actor=Actor.of(people["ruiz"]),
        settings=settings,
        start=START,
        end=END,
        seed=7,
        now=at(8, 12),
    )
    assert flagged(audit, "purge_missed") == ["no purge ran on 2026-10-06", "no purge ran on 2026-10-07"]
    details = [item.detail for item in audit.items if item.rule == "purge_missed"]
    assert details == [{"day": "2026-10-06"}, {"day": "2026-10-07"}]
