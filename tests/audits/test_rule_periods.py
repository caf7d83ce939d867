"""An audit covers its days in the agency's time, from the first midnight to the last, and reviews what was
done: a refused access is reported as a refusal, never as a search or an access to data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateguard.accounts.models import User
from plateguard.config import Settings
from tests.audits.conftest import END, START, Log, at, run, sequences


def test_the_period_runs_from_the_first_midnight_to_the_last_in_agency_time(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    assert (START.day, END.day) == (5, 11)
    log(people["nair"], "reads.search", at(4, 23, 59), case=None)  # the evening before
    first = log(people["nair"], "reads.search", at(5, 0, 0), case=None)
    last = log(people["nair"], "reads.search", at(11, 23, 59), case=None)
    log(people["nair"], "reads.search", at(12, 0, 0), case=None)  # the next day
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "no_case_number") == [first, last]
    assert sequences(audit, "sample") == [first, last]


def test_a_refused_search_is_not_reviewed_as_a_search(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    log(people["nair"], "reads.search", at(6, 23, 30), plate="4LONE44", case=None, outcome="refused", count=0)
    log(people["nair"], "reads.view", at(6, 10), purpose="looking into something", outcome="refused", count=0)
    audit = run(db, settings, people["ruiz"])
    for rule in ("sample", "no_case_number", "outside_hours", "plate_without_link", "free_text_purpose"):
        assert sequences(audit, rule) == [], rule
