"""A look at a list's entries is found by the plate's start and recorded as asked (the data queried,
1798.90.52); a hand entry's refusals name the field to correct and the permission that is missing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Justification
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.errors import Forbidden, InvalidInput
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistEntry, HotlistSource
from plateguard.hotlists.parsed import ParsedEntry
from tests.conftest import Trained
from tests.hotlists.conftest import make_list, stolen


def enter(db: Session, user: User, hotlist: Hotlist, entry: ParsedEntry) -> HotlistEntry:
    return hotlist_service.add_entry(
        session=db, user=user, hotlist=hotlist, entry=entry, purpose="Criminal investigation"
    )


def looked(db: Session) -> AccessRecord:
    query = select(AccessRecord).where(AccessRecord.action == "hotlists.entries").order_by(AccessRecord.id)
    return list(db.scalars(query))[-1]


def test_entries_are_found_by_the_plates_start_and_the_look_is_recorded_as_asked(
    db: Session, trained: Trained
) -> None:
    officer = trained("officer", Role.OPERATOR)
    bolo = make_list(
        db, "BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"), stolen("7ABD555"), stolen("8XYZ999")
    )
    found = hotlist_service.list_entries(session=db, user=officer, hotlist=bolo, plate="7ab-", limit=50)
    assert [e.plate for e in found] == ["7ABC123", "7ABD555"]
    record = looked(db)
    assert record.query == {"hotlist": "BOLO", "plate_prefix": "7AB", "limit": 50}
    assert record.result_count == 2
    everything = hotlist_service.list_entries(session=db, user=officer, hotlist=bolo)
    assert [e.plate for e in everything] == ["7ABC123", "7ABD555", "8XYZ999"]
    assert looked(db).query == {"hotlist": "BOLO", "plate_prefix": "", "limit": 200}
    assert looked(db).result_count == 3


def test_a_look_at_ended_entries_says_so_in_its_record(db: Session, trained: Trained) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    bolo = make_list(db, "BOLO", HotlistSource.DEPARTMENT)
    entry = enter(db, admin, bolo, stolen("7ABC123", case_number="26-004601", expires_at=soon))
    why = Justification("Criminal investigation", detail="vehicle recovered", case_number="26-004601")
    hotlist_service.end_entry(session=db, user=admin, hotlist=bolo, entry_id=entry.id, why=why)
    ended = hotlist_service.list_entries(session=db, user=admin, hotlist=bolo, ended=True)
    assert [e.plate for e in ended] == ["7ABC123"]
    assert looked(db).query == {"hotlist": "BOLO", "plate_prefix": "", "limit": 200, "ended": True}
    assert hotlist_service.list_entries(session=db, user=admin, hotlist=bolo) == []


def test_a_hand_entry_names_the_missing_permission_and_the_field_to_correct(
    db: Session, trained: Trained
) -> None:
    officer, admin = trained("officer", Role.OPERATOR), trained("lt.alvarez", Role.ADMINISTRATOR)
    bolo = make_list(db, "BOLO", HotlistSource.DEPARTMENT)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    full = stolen("7ABC123", case_number="26-1", expires_at=soon)
    with pytest.raises(Forbidden, match=r"^full-plate entries need the permission hotlists:manage"):
        hotlist_service.check_hand_change(user=officer, hotlist=bolo, is_wildcard=False, purpose="x")
    with pytest.raises(Forbidden, match=r"^partial-plate entries need the permission hotlists:partial"):
        hotlist_service.check_hand_change(user=officer, hotlist=bolo, is_wildcard=True, purpose="x")
    with pytest.raises(InvalidInput, match="needs a purpose") as no_purpose:
        hotlist_service.check_hand_change(user=admin, hotlist=bolo, is_wildcard=False, purpose="  ")
    assert no_purpose.value.field == "purpose"
    for plate, field in (("7", "plate"), ("A?*", "plate"), ("7ABC123456789012345678", "plate")):
        entry = stolen(plate, case_number="26-1", expires_at=soon)
        with pytest.raises(InvalidInput) as refused:
            hotlist_service.validate_manual(entry, purpose="x", may_enter_partial=True, max_days=90)
        assert refused.value.field == field, plate
    hotlist_service.validate_manual(
        stolen("7A", case_number="26-1", expires_at=soon), purpose="x", may_enter_partial=False, max_days=90
    )  # two characters are enough
    hotlist_service.validate_manual(full, purpose="x", may_enter_partial=False, max_days=90)


def test_a_hand_entry_is_recorded_with_what_was_entered_and_why(db: Session, trained: Trained) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    bolo = make_list(db, "BOLO", HotlistSource.DEPARTMENT)
    before = bolo.changed_at
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    row = enter(db, admin, bolo, stolen("7abc-123", case_number="26-004601", expires_at=soon))
    assert (row.plate, row.purpose, row.case_number) == ("7ABC123", "Criminal investigation", "26-004601")
    assert bolo.changed_at > before, "the live matcher reloads a changed list"
    [record] = db.scalars(select(AccessRecord).where(AccessRecord.action == "hotlists.entry.add"))
    assert record.outcome == "ok" and record.username == "lt.alvarez"
    assert record.query == {
        "hotlist": "BOLO",
        "plate": "7ABC123",
        "state": "CA",
        "entry_id": row.id,
        "expires_at": soon.isoformat(),
    }
    assert (record.purpose, record.case_number) == ("Criminal investigation", "26-004601")


@pytest.mark.parametrize(
    ("days", "field"),
    [(-1, "expires_at"), (0, "expires_at"), (91.5, "expires_at"), (90.9, None), (0.01, None)],
)
def test_a_hand_entrys_expiry_is_after_now_and_at_most_the_allowed_days_ahead(
    days: float, field: str | None
) -> None:
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    entry = stolen("7ABC123", case_number="26-1", expires_at=expires)
    if field is None:
        hotlist_service.validate_manual(entry, purpose="x", may_enter_partial=False, max_days=90)
        return
    with pytest.raises(InvalidInput) as refused:
        hotlist_service.validate_manual(entry, purpose="x", may_enter_partial=False, max_days=90)
    assert refused.value.field == field


def test_a_hand_entry_without_case_or_expiry_names_that_field_and_ten_characters_are_allowed() -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    checks = (
        (stolen("7ABC123", expires_at=soon), "case_number"),
        (stolen("7ABC123", case_number="  ", expires_at=soon), "case_number"),
        (stolen("7ABC123", case_number="26-1"), "expires_at"),
        (stolen("ABCDE123456", case_number="26-1", expires_at=soon), "plate"),  # eleven
    )
    for entry, field in checks:
        with pytest.raises(InvalidInput) as refused:
            hotlist_service.validate_manual(entry, purpose="x", may_enter_partial=False, max_days=90)
        assert refused.value.field == field, entry.plate
    ten = stolen("ABCDE12345", case_number="26-1", expires_at=soon)
    hotlist_service.validate_manual(ten, purpose="x", may_enter_partial=False, max_days=90)
