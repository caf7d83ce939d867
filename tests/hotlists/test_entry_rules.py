"""Findings 3 and 7: one rule for partial plates from any source; hand entries need a purpose, a case
number and a bounded expiry; entries are ended (never deleted) only through the list that owns them."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts.roles import Role
from plateguard.database import run_after_rollback
from plateguard.errors import Forbidden, InvalidInput
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistEntry, HotlistSource
from plateguard.hotlists.parsed import HotFileError
from tests.conftest import Trained, agency_today, sign_in
from tests.hotlists.conftest import import_file, make_list, stolen

ACTOR = Actor.system("Test Police Department", "test")
IN_A_WEEK = (agency_today() + dt.timedelta(days=7)).isoformat()


def records(db: Session, action: str) -> list[AccessRecord]:
    return list(db.scalars(select(AccessRecord).where(AccessRecord.action == action)))


def entry_rows(db: Session, hotlist_id: int) -> list[HotlistEntry]:
    with system_scope(db, "test"):
        return list(db.scalars(select(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist_id)))


@pytest.mark.parametrize(
    ("csv", "line", "reason"),
    [
        (b"plate,case_number,expires\n7ABC123,,\n7*,,\n", 3, "case number"),
        (b"plate,case_number,expires\n7ABC123,,\n7AB*,26-1,\n", 3, "expiry"),
    ],
)
def test_an_import_with_a_partial_row_lacking_its_case_or_expiry_is_refused_by_line(
    db: Session, csv: bytes, line: int, reason: str
) -> None:
    hotlist = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("OLD0001"))
    with pytest.raises(HotFileError, match=f"line {line}: partial plate .*{reason}"):
        import_file(
            session=db,
            actor=ACTOR,
            hotlist=hotlist,
            data=csv,
            source_name="bolo.csv",
            purpose="Criminal investigation",
            may_enter_partial=True,
        )
    assert [row.plate for row in entry_rows(db, hotlist.id)] == ["OLD0001"]


def test_a_partial_row_needs_the_importers_permission_and_a_purpose(db: Session) -> None:
    hotlist = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT)
    good_row = f"plate,case_number,expires\n7AB*,26-1,{IN_A_WEEK}\n".encode()
    with pytest.raises(HotFileError, match=r"line 2: .*hotlists:partial"):
        import_file(
            session=db, actor=ACTOR, hotlist=hotlist, data=good_row, source_name="b.csv", purpose="Criminal"
        )
    with pytest.raises(HotFileError, match=r"line 2: .*purpose"):
        import_file(
            session=db,
            actor=ACTOR,
            hotlist=hotlist,
            data=good_row,
            source_name="b.csv",
            may_enter_partial=True,
        )
    report = import_file(
        session=db,
        actor=ACTOR,
        hotlist=hotlist,
        data=good_row,
        source_name="b.csv",
        purpose="Criminal investigation",
        may_enter_partial=True,
    )
    assert report.entries == 1


def test_a_hand_entry_on_a_department_list_needs_case_number_and_a_bounded_expiry(
    db: Session, trained: Trained
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    hotlist = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    add = hotlist_service.add_entry
    with pytest.raises(InvalidInput, match="case or incident number"):
        add(
            session=db,
            user=admin,
            hotlist=hotlist,
            entry=stolen("8ABC123", expires_at=soon),
            purpose="curious",
        )
    with pytest.raises(InvalidInput, match="expiry"):
        add(session=db, user=admin, hotlist=hotlist, entry=stolen("8ABC123", case_number="26-1"), purpose="x")
    too_long = stolen("8ABC123", case_number="26-1", expires_at=soon + dt.timedelta(days=200))
    with pytest.raises(InvalidInput, match="at most 90 days"):
        add(session=db, user=admin, hotlist=hotlist, entry=too_long, purpose="Criminal investigation")
    with pytest.raises(InvalidInput, match="purpose"):
        add(
            session=db,
            user=admin,
            hotlist=hotlist,
            entry=stolen("8ABC123", case_number="26-1", expires_at=soon),
        )
    # What the request (or the CLI's transaction) does once the refused work is rolled back:
    run_after_rollback(db, sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint"))
    refused = [r for r in records(db, "hotlists.entry.add") if r.outcome == "refused"]
    assert len(refused) == 4 and refused[0].query["plate"] == "8ABC123"


def test_full_plates_need_hotlists_manage_and_state_lists_refuse_hand_changes(
    db: Session, trained: Trained
) -> None:
    detective, admin = trained("det.nair", Role.INVESTIGATOR), trained("lt.alvarez", Role.ADMINISTRATOR)
    department = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE, stolen("TEST201"))
    hotlist_service.grant(session=db, actor=ACTOR, hotlist=state, user=admin)
    entry = stolen("8ABC123", case_number="26-1", expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    with pytest.raises(Forbidden, match="hotlists:manage"):
        hotlist_service.add_entry(
            session=db, user=detective, hotlist=department, entry=entry, purpose="Crime"
        )
    with pytest.raises(Forbidden, match="state or federal"):
        hotlist_service.add_entry(session=db, user=admin, hotlist=state, entry=entry, purpose="Crime")


def hand_entry_form(csrf: str, plate: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "plate": plate,
        "category": "felony_vehicle",
        "purpose": "Criminal investigation",
        "case_number": "26-0042",
        "expires_on": IN_A_WEEK,
        "reason": "Robbery suspect vehicle",
    }


def test_an_entry_is_ended_through_its_own_list_with_purpose_and_stays_on_record(
    client: TestClient, db: Session, trained: Trained
) -> None:
    trained("lt.alvarez", Role.ADMINISTRATOR)
    bolo = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT)
    other = make_list(db, "Burglary", HotlistSource.DEPARTMENT)
    csrf = sign_in(client, "lt.alvarez")
    added = client.post(f"/hotlists/{bolo.id}/entries", data=hand_entry_form(csrf, "8ABC123"))
    assert added.status_code == 200, added.text
    entry = entry_rows(db, bolo.id)[0]
    end = {"csrf_token": csrf, "purpose": "Criminal investigation", "reason": "vehicle recovered"}
    wrong_list = client.post(f"/hotlists/{other.id}/entries/{entry.id}/remove", data=end)
    assert wrong_list.status_code == 404
    no_reason = client.post(f"/hotlists/{bolo.id}/entries/{entry.id}/remove", data=end | {"reason": ""})
    assert no_reason.status_code == 422
    ended = client.post(f"/hotlists/{bolo.id}/entries/{entry.id}/remove", data=end)
    assert ended.status_code == 200
    db.expire_all()
    kept = entry_rows(db, bolo.id)
    assert len(kept) == 1 and kept[0].ended_at is not None and kept[0].end_reason == "vehicle recovered"
    assert kept[0].ended_by == "Lt.Alvarez"
    assert "8ABC123" not in client.get(f"/hotlists/{bolo.id}").text.split("Add an entry")[0]
    history = client.get(f"/hotlists/{bolo.id}", params={"ended": "true"}).text
    assert "8ABC123" in history and "vehicle recovered" in history and "Lt.Alvarez" in history
    removal = next(r for r in records(db, "hotlists.entry.remove") if r.outcome == "ok")
    assert removal.query["plate"] == "8ABC123" and removal.query["hotlist"] == "Department BOLO"
    assert removal.purpose == "Criminal investigation"
    refusals = [r for r in records(db, "hotlists.entry.remove") if r.outcome == "refused"]
    assert {r.query["hotlist"] for r in refusals} == {"Burglary", "Department BOLO"}


def test_state_entries_cannot_be_ended_by_hand_even_through_another_lists_url(
    client: TestClient, db: Session, trained: Trained
) -> None:
    trained("det.nair", Role.INVESTIGATOR)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE, stolen("TEST201"))
    bolo = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT)
    entry = entry_rows(db, state.id)[0]
    csrf = sign_in(client, "det.nair")
    end = {"csrf_token": csrf, "purpose": "Criminal investigation", "reason": "gone"}
    assert client.post(f"/hotlists/{bolo.id}/entries/{entry.id}/remove", data=end).status_code == 404
    assert client.post(f"/hotlists/{state.id}/entries/{entry.id}/remove", data=end).status_code == 403
    db.expire_all()
    assert entry_rows(db, state.id)[0].ended_at is None
    refused = [r for r in records(db, "hotlists.entry.remove") if r.outcome == "refused"]
    assert len(refused) == 2 and all("refused" in r.query for r in refused)


def test_a_refused_look_at_a_restricted_list_is_recorded(
    client: TestClient, db: Session, trained: Trained
) -> None:
    trained("ofc.chen", Role.OPERATOR)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE, stolen("TEST201"))
    sign_in(client, "ofc.chen")
    assert client.get(f"/hotlists/{state.id}").status_code == 403
    refused = [r for r in records(db, "hotlists.entries") if r.outcome == "refused"]
    assert len(refused) == 1 and refused[0].username == "ofc.chen"
    assert "TEST201" not in str(refused[0].query)
