"""Each audit rule on crafted records: what it must flag, and the look-alike it must leave alone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from plateguard.accounts import training
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.hotlists.models import Hotlist, HotlistEntry, HotlistSource
from tests.audits.conftest import Log, at, flagged, run, sequences
from tests.conftest import complete_training


def test_search_without_a_needed_case_number_is_flagged_but_a_waived_one_is_not(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    missing = log(people["nair"], "reads.search", at(6, 10), case=None)
    log(people["cole"], "reads.view", at(6, 11), case=None, purpose="Alert verification")  # waived
    log(people["nair"], "reads.search", at(6, 12), case="26-7")
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "no_case_number") == [missing]


def test_purpose_from_free_text_only_is_flagged(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    free = log(people["nair"], "reads.search", at(7, 9), purpose="looking into something", case="26-1")
    log(people["nair"], "reads.search", at(7, 10))
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "free_text_purpose") == [free]


def test_prohibited_purpose_refusals_and_free_text_naming_one_are_reported(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    refused = log(
        people["cole"],
        "reads.search",
        at(8, 10),
        outcome="refused",
        count=0,
        query={"prohibited_purpose": "Immigration enforcement"},
    )
    named = log(people["nair"], "hotlists.entries", at(8, 11), detail="tip from Border Patrol")
    log(people["nair"], "reads.search", at(8, 12), detail="burglary at 5th and Main")
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "prohibited_refused") == [refused]
    assert sequences(audit, "prohibited_text") == [named]
    assert "immigration enforcement" in flagged(audit, "prohibited_text")[0]


def test_one_user_searching_one_plate_under_several_cases_is_flagged(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    for day, case in ((5, "26-1"), (6, "26-2"), (7, "26-3")):
        log(people["cole"], "reads.search", at(day, 10), plate="8XYZ999", case=case)
    for day in (5, 6, 7):  # the same plate, many times, but always one case: ordinary casework
        log(people["nair"], "reads.timeline", at(day, 10), plate="8XYZ999", case="26-9")
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "repeat_plate") == [
        "Ofc. Sam Cole (ofc.cole): 3 searches of 8XYZ999 under cases 26-1, 26-2, 26-3"
    ]


def test_searches_outside_usual_hours_are_flagged_in_the_agencys_time(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    late = log(people["nair"], "reads.search", at(9, 23, 30))  # 06:30 UTC the next day
    early = log(people["nair"], "reads.search", at(10, 5, 59))
    log(people["nair"], "reads.search", at(10, 6, 0))
    log(people["nair"], "reads.search", at(10, 21, 59))
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "outside_hours") == [late, early]


def test_plate_with_no_hotlist_or_case_link_is_flagged(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    hotlist = Hotlist(name="Stolen", source=HotlistSource.DEPARTMENT)
    db.add(hotlist)
    db.flush()
    db.add(
        HotlistEntry(
            hotlist_id=hotlist.id,
            plate="6LIST01",
            plate_normalized="6LIST01",
            category="stolen_vehicle",
            entered_by="x",
            case_number="26-55",
        )
    )
    db.flush()
    lone = log(people["nair"], "reads.search", at(6, 9), plate="4LONE44", case="26-404")
    log(people["nair"], "reads.search", at(6, 10), plate="6LIST01", case="26-404")  # on a hotlist
    log(people["nair"], "reads.search", at(6, 11), plate="5CASE55", case="26-55")  # case on record
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "plate_without_link") == [lone]


def test_bulk_exports_are_flagged_from_the_threshold(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    big = log(people["nair"], "reads.export", at(6, 10), count=500)
    log(people["nair"], "reads.export", at(6, 11), count=499)
    audit = run(db, settings, people["ruiz"], bulk_export_reads=500)
    assert sequences(audit, "bulk_export") == [big]


def test_access_after_training_lapsed_is_flagged_per_user(  # type: ignore[no-untyped-def]
    db: Session,
    settings: Settings,
    people: dict[str, User],
    make_user,
    log: Log,
) -> None:
    lapsed = make_user("ofc.lee", Role.OPERATOR, full_name="Ofc. Jo Lee")
    complete_training(db, lapsed, on=dt.date(2024, 1, 5))
    first = log(lapsed, "reads.search", at(6, 10))
    log(lapsed, "reads.view", at(6, 11))
    log(people["nair"], "reads.search", at(6, 12))
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "lapsed_training") == ["Ofc. Jo Lee (ofc.lee): 2 accesses without current training"]
    assert sequences(audit, "lapsed_training") == [first]


def test_training_recorded_by_an_account_its_trainee_set_up_is_flagged(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user, log: Log
) -> None:
    boss = make_user("lt.vega", Role.ADMINISTRATOR, full_name="Lt. Ana Vega")
    puppet = make_user("sgt.extra", Role.TRAINING_MANAGER, full_name="Sgt. Extra")
    manager = make_user("sgt.okafor", Role.TRAINING_MANAGER, full_name="Sgt. Kim Okafor")
    log(boss, "account.created", at(5, 9), plate=None, query={"user": "sgt.extra", "roles": ["training"]})
    log(boss, "account.roles", at(5, 9), plate=None, query={"user": "det.nair", "to": ["investigator"]})
    worked_around = log(
        puppet, "training.recorded", at(5, 10), plate=None, query={"user": "lt.vega", "course": "ALPR 460"}
    )
    log(manager, "training.recorded", at(5, 11), plate=None, query={"user": "lt.vega", "course": "ALPR 460"})
    log(puppet, "training.recorded", at(5, 12), plate=None, query={"user": "det.nair", "course": "ALPR 460"})
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "training_by_own_account") == [worked_around]
    assert flagged(audit, "training_by_own_account") == [
        "Sgt. Extra (sgt.extra) recorded lt.vega's training (ALPR 460); "
        "lt.vega had set up sgt.extra's account"
    ]


def test_accounts_unused_past_the_inactivity_limit_are_flagged(
    db: Session, settings: Settings, people: dict[str, User]
) -> None:
    people["cole"].last_login_at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # > 90 days before the period end
    people["nair"].last_login_at = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)  # 71 days: within the limit
    db.flush()
    audit = run(db, settings, people["ruiz"])
    assert [s.split(":")[0] for s in flagged(audit, "inactive_account")] == ["Ofc. Sam Cole (ofc.cole)"]


def test_hotlists_past_their_refresh_age_are_flagged(
    db: Session, settings: Settings, people: dict[str, User]
) -> None:
    fresh = dt.datetime(2026, 10, 11, 20, tzinfo=dt.UTC)
    db.add_all(
        [
            Hotlist(
                name="NCIC", source=HotlistSource.STATE, refresh_path="/hot/ncic.txt", last_loaded_at=fresh
            ),
            Hotlist(
                name="SVS",
                source=HotlistSource.STATE,
                refresh_path="/hot/svs.txt",
                last_loaded_at=fresh - dt.timedelta(days=3),
            ),
            Hotlist(name="Local", source=HotlistSource.DEPARTMENT),  # kept by hand: no refresh age
        ]
    )
    db.flush()
    audit = run(db, settings, people["ruiz"])
    assert [s.split(":")[0] for s in flagged(audit, "stale_hotlist")] == ["hotlist SVS"]


def test_days_without_a_purge_are_flagged(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    for day in (5, 6, 8, 9, 10, 11):
        log(people["ruiz"], "retention.purged", at(day, 2), plate=None, purpose=None, case=None)
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "purge_missed") == ["no purge ran on 2026-10-07"]


def test_the_sample_draws_the_configured_number_of_searches_reproducibly(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    made = [log(people["nair"], "reads.search", at(5 + i % 6, 9 + i % 10, i)) for i in range(30)]
    log(people["nair"], "reads.search", at(4, 12))  # before the period: never drawn
    first = run(db, settings, people["ruiz"], sample_size=10)
    again = run(db, settings, people["ruiz"], sample_size=10)
    drawn = sequences(first, "sample")
    assert len(drawn) == 10 and set(drawn) <= set(made)
    assert drawn == sequences(again, "sample")  # same seed, same records: same draw


def test_training_stored_without_its_access_record_or_with_other_dates_is_flagged(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user
) -> None:
    # An insider with database access opens the training gate: one row inserted for an untrained
    # officer, one recorded row given a later expiry. Recorded ones that nobody touched stay quiet, and
    # so does a completion that had expired before the period.
    complete_training(db, make_user("ofc.lee", Role.OPERATOR), on=dt.date(2026, 9, 1))
    [stretched] = training.latest_records(session=db, user=people["cole"]).values()
    stretched.expires_on = dt.date(2029, 1, 5)
    complete_training(db, make_user("ofc.old", Role.OPERATOR), on=dt.date(2024, 1, 5))
    db.flush()
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "training_unrecorded") == [
        "ofc.cole: ALPR system use and Policy 460, completed 2026-01-05, valid until 2029-01-05",
        "ofc.lee: ALPR system use and Policy 460, completed 2026-09-01, valid until 2028-09-01",
    ]


def test_a_first_administrators_statement_logged_by_an_earlier_version_is_not_flagged(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user, log: Log
) -> None:
    # Before each course had its own record, init logged one record without the course or the expiry.
    admin = make_user("lt.vega", Role.ADMINISTRATOR)
    complete_training(db, admin, on=dt.date(2026, 2, 1))
    for record in training.latest_records(session=db, user=admin).values():
        record.attested_at_init = True
    log(
        admin,
        "training.recorded",
        at(1, 9),
        plate=None,
        query={"user": "lt.vega", "attested_at_init": True, "completed_on": "2026-02-01"},
    )
    other = make_user("ofc.lee", Role.OPERATOR)  # the same old-form record does not cover a plain completion
    complete_training(db, other, on=dt.date(2026, 2, 1))
    log(
        other,
        "training.recorded",
        at(1, 9),
        plate=None,
        query={"user": "ofc.lee", "attested_at_init": True, "completed_on": "2026-02-01"},
    )
    db.flush()
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "training_unrecorded") == [
        "ofc.lee: ALPR system use and Policy 460, completed 2026-02-01, valid until 2028-02-01"
    ]
