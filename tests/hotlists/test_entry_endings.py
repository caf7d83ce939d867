"""Taking an entry off a department list by hand (460.3(e)): only someone allowed to enter that kind of
plate, with a purpose and a reason, once; the entry stays on record as ended (who, when, why), the list
shows it changed, and the access record says which entry, plate and case it was."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistEntry, HotlistSource
from plateguard.hotlists.parsed import ParsedEntry
from tests.conftest import Trained
from tests.hotlists.conftest import make_list, stolen

RECOVERED = Justification("Criminal investigation", detail="vehicle recovered", case_number="26-004601")
LONG_AGO = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def in_days(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def entered(db: Session, admin: User, hotlist: Hotlist, entry: ParsedEntry) -> HotlistEntry:
    return hotlist_service.add_entry(
        session=db, user=admin, hotlist=hotlist, entry=entry, purpose="Criminal investigation"
    )


def end(
    db: Session, user: User, hotlist: Hotlist, entry: HotlistEntry, why: Justification = RECOVERED
) -> None:
    hotlist_service.end_entry(session=db, user=user, hotlist=hotlist, entry_id=entry.id, why=why)


def stored(db: Session, entry_id: int) -> HotlistEntry:
    db.expire_all()
    with system_scope(db, "test"):
        row = db.get(HotlistEntry, entry_id)
    assert row is not None
    return row


def removals(db: Session) -> list[AccessRecord]:
    query = select(AccessRecord).where(AccessRecord.action == "hotlists.entry.remove")
    return list(db.scalars(query.order_by(AccessRecord.id)))


@pytest.fixture()
def bolo(db: Session) -> Hotlist:
    return make_list(db, "BOLO", HotlistSource.DEPARTMENT)


def test_an_ended_entry_keeps_who_when_and_why_and_its_record_names_entry_plate_and_case(
    db: Session, trained: Trained, bolo: Hotlist
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    entry = entered(db, admin, bolo, stolen("7ABC123", "NV", case_number="26-004601", expires_at=in_days(9)))
    bolo.changed_at = LONG_AGO
    db.flush()
    before = dt.datetime.now(dt.UTC)
    end(db, admin, bolo, entry)
    row = stored(db, entry.id)
    assert row.ended_at is not None and row.ended_at >= before
    assert (row.ended_by, row.end_reason) == ("Lt.Alvarez", "vehicle recovered")
    assert bolo.changed_at >= before, "the list shows when it last changed"
    (record,) = removals(db)
    assert record.outcome == "ok" and record.result_count == 1
    assert record.query == {
        "hotlist": "BOLO",
        "entry_id": entry.id,
        "plate": "7ABC123",
        "state": "NV",
        "entry_case_number": "26-004601",
    }
    assert (record.purpose, record.case_number) == ("Criminal investigation", "26-004601")


def test_an_entry_is_ended_once_and_the_second_attempt_names_the_day_it_ended(
    db: Session, trained: Trained, bolo: Hotlist
) -> None:
    admin, deputy = trained("lt.alvarez", Role.ADMINISTRATOR), trained("sgt.brooks", Role.ADMINISTRATOR)
    entry = entered(db, admin, bolo, stolen("7ABC123", case_number="26-1", expires_at=in_days(9)))
    end(db, admin, bolo, entry)
    again = Justification("Criminal investigation", detail="duplicate", case_number="26-1")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    with pytest.raises(Conflict, match=rf"^entry {entry.id} was already ended on {today}$"):
        end(db, deputy, bolo, entry, again)
    row = stored(db, entry.id)
    assert (row.ended_by, row.end_reason) == ("Lt.Alvarez", "vehicle recovered")


def test_ending_needs_a_reason_naming_its_field_and_a_purpose(
    db: Session, trained: Trained, bolo: Hotlist
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    entry = entered(db, admin, bolo, stolen("7ABC123", case_number="26-1", expires_at=in_days(9)))
    with pytest.raises(InvalidInput, match="say why") as no_reason:
        end(db, admin, bolo, entry, Justification("Criminal investigation", detail="   "))
    assert no_reason.value.field == "reason"
    with pytest.raises(InvalidInput, match="needs a purpose") as no_purpose:
        end(db, admin, bolo, entry, Justification(" ", detail="vehicle recovered"))
    assert no_purpose.value.field == "purpose"
    assert stored(db, entry.id).ended_at is None


def test_who_may_end_an_entry_is_who_may_enter_that_kind_of_plate(
    db: Session, trained: Trained, bolo: Hotlist
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    officer, detective = trained("ofc.chen", Role.OPERATOR), trained("det.nair", Role.INVESTIGATOR)
    full = entered(db, admin, bolo, stolen("7ABC123", case_number="26-1", expires_at=in_days(9)))
    partial = entered(
        db, admin, bolo, stolen("7AB?12*", case_number="26-2", expires_at=in_days(9), is_wildcard=True)
    )
    with pytest.raises(Forbidden, match="full-plate entries need the permission hotlists:manage"):
        end(db, detective, bolo, full)
    with pytest.raises(Forbidden, match="partial-plate entries need the permission hotlists:partial"):
        end(db, officer, bolo, partial)
    end(db, detective, bolo, partial)  # an investigator enters, and so ends, partial plates
    db.expire_all()
    assert [e.plate for e in hotlist_service.list_entries(session=db, user=admin, hotlist=bolo)] == [
        "7ABC123"
    ]


def test_an_entry_is_ended_only_through_its_own_list_and_a_state_list_never_by_hand(
    db: Session, trained: Trained, bolo: Hotlist
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    detective = trained("det.nair", Role.INVESTIGATOR)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE, stolen("TEST201"))
    with system_scope(db, "test"):
        (state_entry,) = db.scalars(select(HotlistEntry).where(HotlistEntry.hotlist_id == state.id))
    with pytest.raises(NotFound, match=r"^the list 'BOLO' has no entry"):
        end(db, admin, bolo, state_entry)
    hotlist_service.grant(session=db, actor=Actor.of(admin), hotlist=state, user=admin)
    with pytest.raises(Forbidden, match="is a state or federal list"):
        end(db, admin, state, state_entry)  # granted: may see the list, never change it by hand
    with pytest.raises(Forbidden, match="restricted; ask the ALPR Administrator"):
        end(db, detective, state, state_entry)  # not granted the list: told so, not how it is changed
    with pytest.raises(Forbidden, match="restricted; ask the ALPR Administrator"):  # the same for an id
        hotlist_service.end_entry(session=db, user=detective, hotlist=state, entry_id=987654, why=RECOVERED)
    with pytest.raises(NotFound):
        hotlist_service.end_entry(session=db, user=admin, hotlist=bolo, entry_id=987654, why=RECOVERED)
    assert stored(db, state_entry.id).ended_at is None
