"""An import replaces a list's live entries, never its history: an entry ended by hand keeps who ended it,
when and why through every later import, and a live entry made by hand that the file replaces is ended by
that import (named as its source), not deleted. Imported entries the file no longer holds go, as before."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistEntry, HotlistSource
from plateguard.hotlists.parsed import ParsedFile
from plateguard.hotlists.router import import_summary
from tests.conftest import Trained
from tests.hotlists.conftest import make_list
from tests.hotlists.test_entry_values import FIRST, live_entries, load

WHY = Justification(
    "Criminal investigation", detail="vehicle recovered by Stockton PD", case_number="26-004601"
)


def every_entry(db: Session, hotlist: Hotlist) -> list[HotlistEntry]:
    db.expire_all()
    with system_scope(db, "test"):
        query = select(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist.id).order_by(HotlistEntry.id)
        return list(db.scalars(query))


def enter_by_hand(db: Session, admin: User, hotlist: Hotlist, *plates: str) -> list[HotlistEntry]:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    return [
        hotlist_service.add_entry(
            session=db,
            user=admin,
            hotlist=hotlist,
            entry=dataclasses.replace(FIRST, plate=plate, expires_at=soon),
            purpose="Criminal investigation",
        )
        for plate in plates
    ]


def test_an_entry_ended_by_hand_keeps_who_when_and_why_through_the_next_imports(
    db: Session, trained: Trained
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    other = dataclasses.replace(FIRST, plate="8DEF456")
    load(db, svs, FIRST, other)
    ended = next(e for e in live_entries(db, svs) if e.plate == "7ABC123")
    hotlist_service.end_entry(session=db, user=admin, hotlist=svs, entry_id=ended.id, why=WHY)
    load(db, svs, other, source="svs-1130.csv")  # the file no longer holds it
    load(db, svs, FIRST, other, source="svs-1201.csv")  # and then holds it again
    rows = every_entry(db, svs)
    kept = next(e for e in rows if e.id == ended.id)
    assert (kept.ended_by, kept.end_reason) == (admin.full_name, "vehicle recovered by Stockton PD")
    assert sorted(e.plate for e in rows if e.ended_at is None) == ["7ABC123", "8DEF456"]
    shown = hotlist_service.list_entries(session=db, user=admin, hotlist=svs, ended=True)
    assert [e.id for e in shown] == [ended.id], "the list's page still shows the entry as ended by hand"


@pytest.mark.parametrize("source", ["bolo-1201.csv", "s" * 300])  # a long name is cut to its column
def test_a_hand_entry_that_an_import_replaces_is_ended_by_that_import_and_counted(
    db: Session, trained: Trained, source: str
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    bolo = make_list(db, "BOLO", HotlistSource.DEPARTMENT)
    (entry,) = enter_by_hand(db, admin, bolo, "5XYZ789")
    load(db, bolo, FIRST, source=source)
    by_hand = next(e for e in every_entry(db, bolo) if e.id == entry.id)
    assert by_hand.ended_at is not None, "the hand entry is off the list"
    assert by_hand.ended_by == f"import of {source}"[:200]
    assert by_hand.end_reason == hotlist_service.IMPORT_END_REASON
    assert (by_hand.entered_by, by_hand.purpose) == (admin.full_name, "Criminal investigation")
    assert [e.plate for e in live_entries(db, bolo)] == ["7ABC123"]
    record = db.scalars(
        select(AccessRecord).where(AccessRecord.action == "hotlists.import").order_by(AccessRecord.id.desc())
    ).first()
    assert record is not None and record.query["hand_entries_ended"] == 1


def test_imported_entries_the_file_no_longer_holds_are_gone_and_an_unchanged_one_keeps_its_id(
    db: Session,
) -> None:
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    other = dataclasses.replace(FIRST, plate="8DEF456")
    load(db, svs, FIRST, other)
    (kept_id,) = [e.id for e in live_entries(db, svs) if e.plate == "7ABC123"]
    load(db, svs, FIRST)
    assert [(e.id, e.plate, e.ended_at) for e in every_entry(db, svs)] == [(kept_id, "7ABC123", None)]


def test_the_importer_is_told_how_many_hand_entries_the_file_ended(db: Session, trained: Trained) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    bolo = make_list(db, "BOLO", HotlistSource.DEPARTMENT)
    enter_by_hand(db, admin, bolo, "5XYZ789", "6XYZ789")
    report = refresh.replace_with(
        session=db,
        actor=Actor.of(admin),
        hotlist=bolo,
        parsed=ParsedFile([FIRST, dataclasses.replace(FIRST, plate="8DEF456")]),
        source_name="bolo-1201.csv",
        purpose="Criminal investigation",
        confirm_shrink=True,
    )
    assert (report.entries, report.hand_entries_ended) == (2, 2)
    assert import_summary(report) == (
        "List replaced: 2 entries loaded; 2 entries made by hand ended (see ended entries); "
        "0 retroactive alerts from recent reads."
    )
