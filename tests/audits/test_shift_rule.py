"""The rule on searches outside the user's shift: day, overnight and weekday shifts, and no shift at all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from plateguard.accounts.models import User
from plateguard.accounts.shifts import Shift, set_shift
from plateguard.config import Settings
from tests.audits.conftest import Log, at, flagged, run, sequences

WEEKDAYS = frozenset({1, 2, 3, 4, 5})  # October 5, 2026 is a Monday; the 10th and 11th a weekend


def give_shift(db: Session, user: User, start: int, end: int, days: frozenset[int] | None = None) -> None:
    shift = Shift(dt.time(start), dt.time(end), days or frozenset(range(1, 8)))
    set_shift(session=db, actor=user, user=user, shift=shift)


def test_a_search_inside_the_shift_is_not_flagged_and_one_outside_is(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    give_shift(db, people["nair"], 8, 16)
    early = log(people["nair"], "reads.search", at(6, 7, 59))
    log(people["nair"], "reads.search", at(6, 8, 0))
    log(people["nair"], "reads.search", at(6, 15, 59))
    late = log(people["nair"], "reads.search", at(6, 16, 0))
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "outside_hours") == [early, late]
    assert flagged(audit, "outside_hours")[1] == (
        "Det. Priya Nair (det.nair): reads.search of 7ABC123 at 2026-10-06 16:00; "
        "outside shift 08:00-16:00 every day"
    )


def test_an_overnight_shift_covers_both_sides_of_midnight(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    give_shift(db, people["cole"], 22, 6, WEEKDAYS)
    log(people["cole"], "reads.search", at(6, 22, 0))  # Tuesday night
    log(people["cole"], "reads.search", at(7, 5, 59))  # still Tuesday's shift, Wednesday morning
    morning = log(people["cole"], "reads.search", at(7, 6, 0))
    evening = log(people["cole"], "reads.search", at(7, 21, 59))
    log(people["cole"], "reads.search", at(9, 23, 30))  # Friday night
    log(people["cole"], "reads.search", at(10, 2, 0))  # Saturday 02:00: Friday's shift
    saturday = log(people["cole"], "reads.search", at(10, 23, 0))  # Saturday night is not worked
    monday = log(people["cole"], "reads.search", at(5, 3, 0))  # would be Sunday night's shift
    audit = run(db, settings, people["ruiz"])
    assert set(sequences(audit, "outside_hours")) == {monday, morning, evening, saturday}
    assert all(
        "outside shift 22:00-06:00 Mon, Tue, Wed, Thu, Fri" in s for s in flagged(audit, "outside_hours")
    )


def test_a_search_on_a_day_not_worked_is_flagged_even_within_the_hours(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    give_shift(db, people["nair"], 8, 16, WEEKDAYS)
    log(people["nair"], "reads.search", at(9, 10, 0))  # Friday
    saturday = log(people["nair"], "reads.search", at(10, 10, 0))
    sunday = log(people["nair"], "reads.timeline", at(11, 12, 0))
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "outside_hours") == [saturday, sunday]


def test_a_user_without_a_shift_is_held_to_the_usual_hours_and_the_flag_says_so(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    give_shift(db, people["cole"], 18, 4)
    log(people["cole"], "reads.search", at(8, 23, 30))  # his night shift
    no_shift = log(people["nair"], "reads.search", at(8, 23, 30))
    log(people["nair"], "reads.search", at(8, 12, 0))
    audit = run(db, settings, people["ruiz"], usual_hours=(6, 22))
    assert sequences(audit, "outside_hours") == [no_shift]
    assert flagged(audit, "outside_hours")[0].endswith("; no shift set, outside the usual hours 06:00-22:00")


def test_a_cleared_shift_falls_back_to_the_usual_hours(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    give_shift(db, people["cole"], 18, 4)
    set_shift(session=db, actor=people["ruiz"], user=people["cole"], shift=None)
    late = log(people["cole"], "reads.search", at(8, 23, 30))
    audit = run(db, settings, people["ruiz"], usual_hours=(6, 22))
    assert sequences(audit, "outside_hours") == [late]
