"""Which access records each audit rule looks at, for every kind of access the auditors' guide names.

The guide (docs/auditors-guide.md, "The audit rules") says searches are `reads.search`, `reads.timeline`,
`reads.seen_near` and `reads.export`; accesses to ALPR data are those and `reads.view`, `reads.image`,
`alerts.view`, `alerts.image` and `hotlists.entries`; a case number is needed for searches and for
`reads.view` and `reads.image`. Each kind is tried on its own, so a kind left out of a rule is noticed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from tests.audits.conftest import Log, at, run, sequences
from tests.conftest import complete_training

SEARCHES = ("reads.search", "reads.timeline", "reads.seen_near", "reads.export")
OTHER_DATA = ("reads.view", "reads.image", "alerts.view", "alerts.image", "hotlists.entries")
NOT_ALPR_DATA = ("account.created", "training.recorded", "audit.opened")


@pytest.mark.parametrize("action", SEARCHES)
def test_every_kind_of_search_is_sampled_and_checked_as_a_search(
    db: Session, settings: Settings, people: dict[str, User], log: Log, action: str
) -> None:
    late = log(people["nair"], action, at(6, 23, 30), plate="4LONE44", case=None)
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "sample") == [late]
    assert sequences(audit, "no_case_number") == [late]
    assert sequences(audit, "outside_hours") == [late]
    assert sequences(audit, "plate_without_link") == [late]


@pytest.mark.parametrize("action", SEARCHES)
def test_every_kind_of_search_counts_towards_one_plate_under_several_cases(
    db: Session, settings: Settings, people: dict[str, User], log: Log, action: str
) -> None:
    log(people["cole"], "reads.search", at(5, 10), plate="8XYZ999", case="26-1")
    log(people["cole"], "reads.search", at(6, 10), plate="8XYZ999", case="26-2")
    third = log(people["cole"], action, at(7, 10), plate="8XYZ999", case="26-3")
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "repeat_plate") == [third]


@pytest.mark.parametrize("action", OTHER_DATA)
def test_viewing_alpr_data_is_not_a_search(
    db: Session, settings: Settings, people: dict[str, User], log: Log, action: str
) -> None:
    log(people["nair"], action, at(6, 23, 30), plate="4LONE44")
    audit = run(db, settings, people["ruiz"])
    for rule in ("sample", "outside_hours", "plate_without_link", "repeat_plate"):
        assert sequences(audit, rule) == [], rule


@pytest.mark.parametrize(
    ("action", "needs_case"), [(a, a in ("reads.view", "reads.image")) for a in OTHER_DATA]
)
def test_a_case_number_is_needed_to_view_a_read_or_its_image_only(
    db: Session, settings: Settings, people: dict[str, User], log: Log, action: str, needs_case: bool
) -> None:
    viewed = log(people["nair"], action, at(6, 10), case=None)
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "no_case_number") == ([viewed] if needs_case else [])


@pytest.mark.parametrize("action", SEARCHES + OTHER_DATA)
def test_every_access_to_alpr_data_is_checked_for_purpose_and_training(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user, log: Log, action: str
) -> None:
    lapsed = make_user("ofc.lee", Role.OPERATOR, full_name="Ofc. Jo Lee")
    complete_training(db, lapsed, on=dt.date(2024, 1, 5))
    vague = log(people["nair"], action, at(6, 10), purpose="looking into something")
    untrained = log(lapsed, action, at(6, 11))
    refused = log(
        people["cole"],
        action,
        at(6, 12),
        outcome="refused",
        count=0,
        query={"prohibited_purpose": "Immigration enforcement"},
    )
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "free_text_purpose") == [vague]
    assert sequences(audit, "lapsed_training") == [untrained]
    assert sequences(audit, "prohibited_refused") == [refused]


@pytest.mark.parametrize("action", NOT_ALPR_DATA)
def test_records_that_are_not_alpr_data_are_not_checked_as_accesses(  # type: ignore[no-untyped-def]
    db: Session, settings: Settings, people: dict[str, User], make_user, log: Log, action: str
) -> None:
    lapsed = make_user("ofc.lee", Role.OPERATOR, full_name="Ofc. Jo Lee")
    complete_training(db, lapsed, on=dt.date(2024, 1, 5))
    log(lapsed, action, at(6, 23, 30), purpose="looking into something", case=None, query={"user": "x"})
    log(people["cole"], action, at(6, 12), outcome="refused", query={"prohibited_purpose": "Immigration"})
    audit = run(db, settings, people["ruiz"])
    for rule in ("free_text_purpose", "lapsed_training", "prohibited_refused", "no_case_number", "sample"):
        assert sequences(audit, rule) == [], rule
