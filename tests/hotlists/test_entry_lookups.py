"""A look at a list's entries is found by the plate's start and recorded as asked (the data queried,
1798.90.52); a hand entry's refusals name the field to correct and the permission that is missing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Justification
from plateguard.accounts.roles import Role
from plateguard.errors import Forbidden, InvalidInput
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistSource
from tests.conftest import Trained
from tests.hotlists.conftest import make_list, stolen


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
    entry = hotlist_service.add_entry(
        session=db,
        user=admin,
        hotlist=bolo,
        entry=stolen("7ABC123", case_number="26-004601", expires_at=soon),
        purpose="Criminal investigation",
    )
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
