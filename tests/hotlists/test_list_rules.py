"""Creating a list and granting a restricted one (460.3(e)): the form's limits name their field, state and
federal lists are restricted from the start, and every grant and revocation is in the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts.roles import Role
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistGrant, HotlistSource
from tests.conftest import Trained

ACTOR = Actor.system("Test Police Department", "lt.alvarez")


def create(db: Session, name: str = "Department BOLO", **options) -> Hotlist:  # type: ignore[no-untyped-def]
    options.setdefault("source", HotlistSource.DEPARTMENT)
    return hotlist_service.create(session=db, actor=ACTOR, name=name, **options)


def records(db: Session, action: str) -> list[AccessRecord]:
    return list(
        db.scalars(select(AccessRecord).where(AccessRecord.action == action).order_by(AccessRecord.id))
    )


def test_a_new_list_has_the_forms_defaults_and_is_recorded(db: Session) -> None:
    hotlist = create(db, "  Department BOLO  ")
    assert hotlist.name == "Department BOLO", "spaces around the name are dropped"
    assert (hotlist.file_format, hotlist.max_age_hours, hotlist.description) == ("csv", 26, "")
    assert hotlist.refresh_path is None and not hotlist.restricted
    assert hotlist.changed_at is not None
    [record] = records(db, "hotlists.create")
    assert record.query == {"hotlist": "Department BOLO", "source": "department"}
    assert record.username == ACTOR.username == "system:lt.alvarez"


@pytest.mark.parametrize(
    ("source", "restricted"),
    [
        (HotlistSource.STATE, True),
        (HotlistSource.FEDERAL, True),
        (HotlistSource.DEPARTMENT, False),
        (HotlistSource.MANUAL, False),
    ],
)
def test_state_and_federal_lists_are_restricted_from_the_start(
    db: Session, source: HotlistSource, restricted: bool
) -> None:
    assert create(db, source=source).restricted is restricted


@pytest.mark.parametrize(("length", "ok"), [(1, False), (2, True), (100, True), (101, False)])
def test_a_list_name_has_2_to_100_characters(db: Session, length: int, ok: bool) -> None:
    name = "B" * length
    if ok:
        assert create(db, f"  {name} ").name == name
        return
    with pytest.raises(InvalidInput, match="2 to 100 characters") as refused:
        create(db, name)
    assert refused.value.field == "name"
    assert db.scalar(select(Hotlist)) is None


def test_a_name_in_use_is_refused_naming_the_name_field(db: Session) -> None:
    create(db, "Department BOLO")
    with pytest.raises(Conflict, match="'Department BOLO' exists") as refused:
        create(db, " Department BOLO ")
    assert refused.value.field == "name"


@pytest.mark.parametrize(("hours", "ok"), [(0, False), (1, True), (720, True), (721, False), (-5, False)])
def test_the_warning_age_is_one_hour_to_thirty_days(db: Session, hours: int, ok: bool) -> None:
    if ok:
        assert create(db, max_age_hours=hours).max_age_hours == hours
        return
    with pytest.raises(InvalidInput, match="1 hour to 30 days") as refused:
        create(db, max_age_hours=hours)
    assert refused.value.field == "max_age_hours"


def test_an_unknown_file_format_is_refused_naming_its_field(db: Session) -> None:
    with pytest.raises(InvalidInput, match="format must be one of") as refused:
        create(db, file_format="xlsx")
    assert refused.value.field == "file_format"
    assert create(db, file_format="clew").file_format == "clew"


def test_an_empty_refresh_location_is_no_location(db: Session) -> None:
    assert create(db, refresh_path="").refresh_path is None
    assert create(db, "Other", refresh_path="/srv/doj/svs.tbl").refresh_path == "/srv/doj/svs.tbl"


def test_a_grant_and_a_revocation_are_each_recorded_and_a_second_grant_adds_no_row(
    db: Session, trained: Trained
) -> None:
    officer = trained("officer", Role.OPERATOR)
    state = create(db, "CA DOJ SVS", source=HotlistSource.STATE)
    for _ in range(2):
        hotlist_service.grant(session=db, actor=ACTOR, hotlist=state, user=officer)
    [row] = db.scalars(select(HotlistGrant))
    assert (row.hotlist_id, row.user_id, row.granted_by) == (state.id, officer.id, ACTOR.username)
    grants = records(db, "hotlists.grant")
    assert [r.query for r in grants] == [{"hotlist": "CA DOJ SVS", "user": "officer"}] * 2
    hotlist_service.require_visible(session=db, user=officer, hotlist=state)
    hotlist_service.revoke(session=db, actor=ACTOR, hotlist=state, user=officer)
    [revoked] = records(db, "hotlists.revoke")
    assert revoked.query == {"hotlist": "CA DOJ SVS", "user": "officer"}
    assert db.scalar(select(HotlistGrant)) is None
    with pytest.raises(Forbidden, match="'CA DOJ SVS' is restricted"):
        hotlist_service.require_visible(session=db, user=officer, hotlist=state)


def test_a_grant_opens_only_its_own_list_to_only_its_own_user(db: Session, trained: Trained) -> None:
    officer, other = trained("officer", Role.OPERATOR), trained("other", Role.OPERATOR)
    state = create(db, "CA DOJ SVS", source=HotlistSource.STATE)
    federal = create(db, "NCIC", source=HotlistSource.FEDERAL)
    bolo = create(db, "BOLO")
    hotlist_service.grant(session=db, actor=ACTOR, hotlist=state, user=officer)
    assert hotlist_service.visible_ids(session=db, user=officer) == {state.id, bolo.id}
    assert hotlist_service.visible_ids(session=db, user=other) == {bolo.id}
    with pytest.raises(Forbidden):
        hotlist_service.require_visible(session=db, user=officer, hotlist=federal)
    hotlist_service.revoke(session=db, actor=ACTOR, hotlist=federal, user=officer)  # none to revoke
    assert hotlist_service.visible_ids(session=db, user=officer) == {state.id, bolo.id}


def test_an_expiry_date_lasts_to_the_end_of_that_day_where_the_agency_is() -> None:
    day = dt.date(2026, 12, 24)
    assert hotlist_service.expiry_from_date(day) == dt.datetime(2026, 12, 25, tzinfo=dt.UTC)
    pacific = hotlist_service.expiry_from_date(day, "America/Los_Angeles")
    assert pacific == dt.datetime(2026, 12, 25, 8, 0, tzinfo=dt.UTC)  # midnight PST is 08:00 UTC
    assert hotlist_service.expiry_from_date(None) is None


def test_a_new_list_has_its_id_at_once_and_keeps_its_description(db: Session) -> None:
    """The form sends the Administrator to the new list's page, so its id must exist before any query."""
    hotlist = create(db, description="Burglary series, east side")
    assert hotlist.id is not None
    assert hotlist.description == "Burglary series, east side"


def test_a_refresh_location_that_could_never_be_read_is_refused_at_creation(db: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        create(db, refresh_path="exports/svs.tbl")  # relative: the scheduler runs in no particular folder
    assert refused.value.field == "refresh_path"
    assert db.scalar(select(Hotlist)) is None


def test_a_list_is_found_by_id_and_by_name_or_not_found_naming_what_was_asked(db: Session) -> None:
    hotlist = create(db, "Department BOLO")
    assert hotlist_service.get(session=db, hotlist_id=hotlist.id) is hotlist
    assert hotlist_service.get_by_name(session=db, name="Department BOLO") is hotlist
    with pytest.raises(NotFound, match="no hotlist 999"):
        hotlist_service.get(session=db, hotlist_id=999)
    with pytest.raises(NotFound, match="no hotlist named 'BOLO'") as missing:
        hotlist_service.get_by_name(session=db, name="BOLO")
    assert missing.value.field == "list"  # the CLI's --list option
