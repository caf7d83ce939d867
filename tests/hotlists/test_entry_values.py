"""What a list holds after an import, value by value: a file that changes one value of an entry changes it
on the list (a refresh keeps only entries whose every value is unchanged); over-long values from a file
are cut to their column, never refused by the database mid-import; a refused hand entry is recorded
with the purpose and case it came with, and a list the user was not granted is refused as such."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.roles import Role
from plateguard.database import run_after_rollback
from plateguard.errors import Forbidden
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistCategory, HotlistEntry, HotlistSource
from plateguard.hotlists.parsed import ParsedEntry, ParsedFile
from tests.conftest import Trained
from tests.hotlists.conftest import make_list

ACTOR = Actor.system("Test Police Department", "test")
EXPIRES = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)
FIRST = ParsedEntry(
    "7ABC123",
    "CA",
    HotlistCategory.STOLEN_VEHICLE,
    "Stolen vehicle",
    vehicle_description="Silver Honda Civic",
    case_number="26-004601",
    record_id="V123456789",
    expires_at=EXPIRES,
)


def load(db: Session, hotlist: Hotlist, *entries: ParsedEntry, source: str = "svs.csv") -> None:
    hotlist_service.replace_entries(
        session=db, actor=ACTOR, hotlist=hotlist, parsed=ParsedFile(list(entries)), source_name=source
    )


def live_entries(db: Session, hotlist: Hotlist) -> list[HotlistEntry]:
    db.expire_all()
    with system_scope(db, "test"):
        query = select(HotlistEntry).where(
            HotlistEntry.hotlist_id == hotlist.id, HotlistEntry.ended_at.is_(None)
        )
        return list(db.scalars(query))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("plate", "7ABC-123"),  # the same plate number, written as the file now writes it
        ("state", "NV"),
        ("category", HotlistCategory.FELONY_VEHICLE),
        ("vehicle_description", "Silver Honda Civic, damaged front bumper"),
        ("reason", "Stolen vehicle (armed suspect)"),
        ("case_number", "26-004602"),
        ("record_id", "V987654321"),
        ("expires_at", EXPIRES + dt.timedelta(days=30)),
    ],
)
def test_a_file_that_changes_one_value_of_an_entry_changes_it_on_the_list(
    db: Session, field: str, value: object
) -> None:
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    load(db, svs, FIRST)
    load(db, svs, dataclasses.replace(FIRST, **{field: value}))  # type: ignore[arg-type]
    (entry,) = live_entries(db, svs)
    assert getattr(entry, field) == value
    assert entry.plate_normalized == "7ABC123"


def test_a_file_that_makes_a_full_plate_partial_changes_it_on_the_list(db: Session) -> None:
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    load(db, svs, dataclasses.replace(FIRST, plate="7ABC12"))
    load(db, svs, dataclasses.replace(FIRST, plate="7ABC12", is_wildcard=True))
    (entry,) = live_entries(db, svs)
    assert entry.is_wildcard


def test_over_long_values_from_a_file_are_cut_to_their_columns(db: Session) -> None:
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    long = ParsedEntry(
        "A" * 25,
        "CA",
        HotlistCategory.STOLEN_VEHICLE,
        "R" * 600,
        vehicle_description="D" * 250,
        case_number="C" * 50,
        record_id="N" * 30,
        expires_at=EXPIRES,
    )
    load(db, svs, long, source="s" * 300)
    (entry,) = live_entries(db, svs)
    assert (entry.plate, entry.plate_normalized) == ("A" * 20, "A" * 20)
    assert (len(entry.reason), len(entry.vehicle_description)) == (500, 200)
    assert (entry.case_number, entry.record_id) == ("C" * 40, "N" * 20)
    assert entry.entered_by == ("import of " + "s" * 300)[:200]


def test_a_refused_hand_entry_is_recorded_with_its_purpose_and_case(db: Session, trained: Trained) -> None:
    officer = trained("ofc.chen", Role.OPERATOR)
    bolo = make_list(db, "BOLO", HotlistSource.DEPARTMENT)
    entry = dataclasses.replace(FIRST, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=5))
    for purpose in ("Criminal investigation", None):
        with pytest.raises(Forbidden):
            hotlist_service.add_entry(
                session=db, user=officer, hotlist=bolo, entry=dataclasses.replace(entry), purpose=purpose
            )
    run_after_rollback(db, sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint"))
    query = select(AccessRecord).where(AccessRecord.action == "hotlists.entry.add")
    refused = list(db.scalars(query.order_by(AccessRecord.id)))
    assert [(r.outcome, r.purpose, r.case_number) for r in refused] == [
        ("refused", "Criminal investigation", "26-004601"),
        ("refused", "", "26-004601"),  # no purpose given: none recorded, never a made-up one
    ]
    assert refused[0].query["refused"] == "full-plate entries need the permission hotlists:manage"


def test_a_hand_entry_on_a_list_not_granted_is_refused_as_not_granted(db: Session, trained: Trained) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE)
    entry = dataclasses.replace(FIRST, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=5))
    with pytest.raises(Forbidden, match="restricted; ask the ALPR Administrator for access"):
        hotlist_service.add_entry(
            session=db, user=admin, hotlist=state, entry=entry, purpose="Criminal investigation"
        )


def test_an_imported_entry_ended_by_hand_is_live_again_when_the_next_file_still_holds_it(
    db: Session, trained: Trained
) -> None:
    admin = trained("lt.alvarez", Role.ADMINISTRATOR)
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    load(db, svs, FIRST)
    (entry,) = live_entries(db, svs)
    why = Justification("Criminal investigation", detail="recovered", case_number="26-004601")
    hotlist_service.end_entry(session=db, user=admin, hotlist=svs, entry_id=entry.id, why=why)
    assert live_entries(db, svs) == []
    load(db, svs, FIRST)  # the file still lists it: the file is the list
    assert [e.plate for e in live_entries(db, svs)] == ["7ABC123"]


def test_an_import_enters_its_rows_at_the_lists_change_and_counts_an_empty_list_as_zero(db: Session) -> None:
    svs, empty = (
        make_list(db, "SVS", HotlistSource.DEPARTMENT),
        make_list(db, "Empty", HotlistSource.DEPARTMENT),
    )
    load(db, svs, FIRST, dataclasses.replace(FIRST, plate="8DEF456"))
    entries = live_entries(db, svs)
    assert {e.entered_at for e in entries} == {svs.changed_at}
    assert hotlist_service.entry_counts(session=db, hotlists=[svs, empty]) == {svs.id: 2, empty.id: 0}


def test_an_import_larger_than_a_batch_adds_and_removes_every_row(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotlist_service, "INSERT_BATCH", 2)
    monkeypatch.setattr(hotlist_service, "DELETE_BATCH", 2)
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    five = [dataclasses.replace(FIRST, plate=f"7ABC12{n}") for n in range(5)]
    first = hotlist_service.replace_entries(
        session=db, actor=ACTOR, hotlist=svs, parsed=ParsedFile(five), source_name="svs.csv"
    )
    assert len(first.added_ids) == 5, "every new entry is run against stored reads, not the last batch's"
    load(db, svs, dataclasses.replace(FIRST, plate="9XYZ999"))
    assert [e.plate for e in live_entries(db, svs)] == ["9XYZ999"]


def test_an_import_clears_the_lists_last_refresh_error_and_is_recorded_as_loaded(db: Session) -> None:
    svs = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    svs.last_refresh_error = "the connection closed after 1,024 of 4,096 bytes"
    file = ParsedFile([FIRST, dataclasses.replace(FIRST, plate="8DEF456")])
    for line in (4, 9, 12):
        file.skip(line, "no plate")
    hotlist_service.replace_entries(session=db, actor=ACTOR, hotlist=svs, parsed=file, source_name="svs.csv")
    db.expire_all()
    assert svs.last_refresh_error is None
    query = select(AccessRecord).where(AccessRecord.action == "hotlists.import").order_by(AccessRecord.id)
    record = list(db.scalars(query))[-1]
    assert record.query == {
        "hotlist": "SVS",
        "file": "svs.csv",
        "entries": 2,
        "skipped": 3,
        "hand_entries_ended": 0,
    }
    assert record.result_count == 2
