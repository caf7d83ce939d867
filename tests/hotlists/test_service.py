"""Lists in the database: atomic import, replacement while matching continues, visibility, entries."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.accounts.roles import Role
from plateguard.database import utcnow
from plateguard.errors import Forbidden, InvalidInput
from plateguard.hotlists import refresh, retro
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistCategory, HotlistEntry, HotlistSource
from plateguard.hotlists.parsed import HotFileError, ParsedEntry, ParsedFile
from tests.conftest import Trained
from tests.hotlists.conftest import StoreRead, access_actions, import_file, last_access_id, make_list, stolen

ACTOR = Actor.system("Test Police Department", "test")
GOOD_CLEW = (
    b"DATE11/05/2026 06:00\r\nTEST201 CA1920261101\r\nZZS4202 CA0120261030\r\nTOTAL RECORD 0000002\r\n"
)
BAD_CLEW = b"DATE11/05/2026 06:00\r\nTEST201 CA1920261101\r\nTEST204 CA19\r\nTOTAL RECORD 0000002\r\n"


def plates(db: Session, hotlist_id: int) -> list[str]:
    with system_scope(db, "test"):
        query = (
            select(HotlistEntry.plate)
            .where(HotlistEntry.hotlist_id == hotlist_id)
            .order_by(HotlistEntry.plate)
        )
        return list(db.scalars(query))


def test_import_of_a_good_file_replaces_the_list(db: Session) -> None:
    hotlist = make_list(db, "SVS", HotlistSource.STATE, stolen("OLD0001"))
    report = import_file(
        session=db, actor=ACTOR, hotlist=hotlist, data=GOOD_CLEW, source_name="svs.tbl", file_format="clew"
    )
    assert (report.entries, report.skipped) == (2, 0)
    assert plates(db, hotlist.id) == ["TEST201", "ZZS4202"]
    assert hotlist_service.entry_count(session=db, hotlist=hotlist) == 2
    assert hotlist.last_loaded_at == dt.datetime(2026, 11, 5, 6, 0, tzinfo=dt.UTC)  # the file's own date
    assert ("hotlists.import", "system:test", "ok") in access_actions(db)


def test_malformed_file_aborts_with_line_number_and_changes_nothing(db: Session) -> None:
    hotlist = make_list(db, "SVS", HotlistSource.STATE, stolen("OLD0001"))
    before = last_access_id(db)
    with pytest.raises(HotFileError, match="line 3: a record needs plate, state"):
        import_file(
            session=db, actor=ACTOR, hotlist=hotlist, data=BAD_CLEW, source_name="svs.tbl", file_format="clew"
        )
    assert plates(db, hotlist.id) == ["OLD0001"]
    assert access_actions(db, before) == []


def test_a_refresh_writes_only_what_changed_and_keeps_the_entries_that_did_not(db: Session) -> None:
    hotlist = make_list(
        db,
        "SVS",
        HotlistSource.STATE,
        stolen("KEEP001"),
        stolen("KEEP002"),
        stolen("GONE003"),
        stolen("EDIT004"),
    )
    with system_scope(db, "test"):
        before = {e.plate: (e.id, e.entered_at) for e in db.scalars(select(HotlistEntry))}
    parsed = ParsedFile(
        [
            stolen("KEEP001"),
            stolen("KEEP002"),
            replace(stolen("EDIT004"), reason="Recovered, keep for 24 h"),
            stolen("NEW0005"),
        ]
    )
    loaded = hotlist_service.replace_entries(
        session=db, actor=ACTOR, hotlist=hotlist, parsed=parsed, source_name="svs.tbl"
    )
    assert (
        loaded.entries == 4
        and len(loaded.added_ids) == 2
        and hotlist_service.entry_count(session=db, hotlist=hotlist) == 4
    )
    with system_scope(db, "test"):
        after = {e.plate: (e.id, e.entered_at, e.reason) for e in db.scalars(select(HotlistEntry))}
    assert sorted(after) == ["EDIT004", "KEEP001", "KEEP002", "NEW0005"]  # exactly the file
    for plate in ("KEEP001", "KEEP002"):  # unchanged: the same entry, first entered when it was
        assert after[plate][:2] == before[plate]
    assert after["EDIT004"][0] != before["EDIT004"][0] and after["EDIT004"][2] == "Recovered, keep for 24 h"


def test_a_file_listing_a_plate_twice_keeps_it_twice(db: Session) -> None:
    hotlist = make_list(db, "SVS", HotlistSource.STATE, stolen("TWICE01"))
    parsed = ParsedFile([stolen("TWICE01"), stolen("TWICE01")])
    hotlist_service.replace_entries(session=db, actor=ACTOR, hotlist=hotlist, parsed=parsed, source_name="f")
    assert plates(db, hotlist.id) == ["TWICE01", "TWICE01"]
    hotlist_service.replace_entries(
        session=db, actor=ACTOR, hotlist=hotlist, parsed=ParsedFile([stolen("TWICE01")]), source_name="f"
    )
    assert plates(db, hotlist.id) == ["TWICE01"]


def test_replacing_a_list_while_reads_are_matched(db: Session) -> None:
    """Matching never sees a half-loaded list: the old matcher serves until the new one is swapped in."""
    hotlist = make_list(db, "SVS", HotlistSource.STATE, stolen("TEST201"))
    live = LiveMatcher()
    live.reload(db)
    now = utcnow().timestamp()
    seen: list[int] = []
    stop = threading.Event()

    def keep_matching() -> None:
        while not stop.is_set():
            current = live.current
            seen.append(len(current.match("TEST201", now=now)) + 10 * len(current.match("ZZS4202", now=now)))

    worker = threading.Thread(target=keep_matching)
    worker.start()
    try:
        import_file(
            session=db,
            actor=ACTOR,
            hotlist=hotlist,
            data=GOOD_CLEW.replace(b"TEST201", b"TEST209"),
            source_name="svs.tbl",
            file_format="clew",
        )
        live.ensure_fresh(db, force_check=True)
    finally:
        stop.set()
        worker.join()
    assert set(seen) <= {1, 10}  # old list (TEST201 only) or new list (ZZS4202), never empty or mixed
    assert seen[0] == 1
    assert len(live.current.match("ZZS4202", now=now)) == 1
    assert live.current.match("TEST201", now=now) == []


def test_restricted_lists_are_visible_only_to_granted_users(db: Session, trained: Trained) -> None:
    officer, other = trained("officer", Role.OPERATOR), trained("other", Role.OPERATOR)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE, stolen("TEST201"))
    dept = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("BOLO001"))
    assert state.restricted and not dept.restricted
    hotlist_service.grant(session=db, actor=ACTOR, hotlist=state, user=officer)
    assert [h.name for h in hotlist_service.list_visible(session=db, user=officer)] == [
        "CA DOJ SVS",
        "Department BOLO",
    ]
    assert [h.name for h in hotlist_service.list_visible(session=db, user=other)] == ["Department BOLO"]
    with pytest.raises(Forbidden, match="restricted"):
        hotlist_service.list_entries(session=db, user=other, hotlist=state)
    entries = hotlist_service.list_entries(session=db, user=officer, hotlist=state)
    assert [e.plate for e in entries] == ["TEST201"]
    assert ("hotlists.entries", "officer", "ok") in access_actions(db)
    hotlist_service.revoke(session=db, actor=ACTOR, hotlist=state, user=officer)
    assert [h.name for h in hotlist_service.list_visible(session=db, user=officer)] == ["Department BOLO"]


def test_partial_plate_needs_permission_case_expiry_and_purpose(db: Session, trained: Trained) -> None:
    detective, officer = trained("detective", Role.INVESTIGATOR), trained("officer", Role.OPERATOR)
    hotlist = make_list(db, "Major crimes", HotlistSource.DEPARTMENT)
    expires = utcnow() + dt.timedelta(days=7)

    def partial(**changes: object) -> ParsedEntry:
        values: dict[str, object] = {"case_number": "26-1234", "expires_at": expires, "is_wildcard": True}
        values.update(changes)
        return ParsedEntry("7AB*", "CA", HotlistCategory.FELONY_VEHICLE, "Homicide suspect", **values)  # type: ignore[arg-type]

    with pytest.raises(Forbidden, match="hotlists:partial"):
        hotlist_service.add_entry(
            session=db, user=officer, hotlist=hotlist, entry=partial(), purpose="Criminal investigation"
        )
    with pytest.raises(InvalidInput, match="case number"):
        hotlist_service.add_entry(
            session=db, user=detective, hotlist=hotlist, entry=partial(case_number=None), purpose="x"
        )
    with pytest.raises(InvalidInput, match="expiry"):
        hotlist_service.add_entry(
            session=db, user=detective, hotlist=hotlist, entry=partial(expires_at=None), purpose="x"
        )
    with pytest.raises(InvalidInput, match="purpose"):
        hotlist_service.add_entry(session=db, user=detective, hotlist=hotlist, entry=partial(), purpose="")
    row = hotlist_service.add_entry(
        session=db, user=detective, hotlist=hotlist, entry=partial(), purpose="Criminal investigation"
    )
    assert (row.plate_normalized, row.is_wildcard, row.case_number) == ("7AB*", True, "26-1234")


def test_new_entry_is_run_against_stored_reads_through_the_audited_search(
    db: Session, trained: Trained, store_read: StoreRead
) -> None:
    detective = trained("detective", Role.INVESTIGATOR)
    store_read("7ABC123")
    store_read("7ABX999")
    store_read("8ZZZ000")
    hotlist = make_list(db, "Major crimes", HotlistSource.DEPARTMENT)
    entry = hotlist_service.add_entry(
        session=db,
        user=detective,
        hotlist=hotlist,
        entry=ParsedEntry(
            "7AB*",
            None,
            HotlistCategory.FELONY_VEHICLE,
            "Robbery",
            case_number="26-1",
            expires_at=utcnow() + dt.timedelta(days=3),
            is_wildcard=True,
        ),
        purpose="Criminal investigation",
    )
    before = last_access_id(db)
    alerts = retro.run_against_reads(session=db, user=detective, entry=entry, why=None)
    with system_scope(db, "test"):
        assert sorted(a.read.plate_text for a in alerts) == ["7ABC123", "7ABX999"]
    assert all(a.retroactive and a.match_kind == "wildcard" for a in alerts)
    actions = access_actions(db, before)
    assert ("reads.search", "detective", "ok") in actions
    assert ("alerts.raise", "system:hotlist matching", "ok") in actions


def test_refresh_failure_and_stale_list_leave_notices(db: Session, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import sessionmaker

    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    good, bad = tmp_path / "svs.tbl", tmp_path / "broken.tbl"
    good.write_bytes(GOOD_CLEW)
    bad.write_bytes(BAD_CLEW)
    for name, path in (("Good", good), ("Broken", bad)):
        hotlist_service.create(
            session=db,
            actor=ACTOR,
            name=name,
            source=HotlistSource.STATE,
            file_format="clew",
            refresh_path=str(path),
            max_age_hours=24 * 30,
        )
    db.flush()
    lines = refresh.refresh_all(
        factory=factory, organisation="Test PD", now=dt.datetime(2026, 11, 6, tzinfo=dt.UTC)
    )
    assert "Good: 2 entries loaded (0 skipped)" in lines
    assert any(line.startswith("Broken: refresh FAILED: line 3") for line in lines)
    assert any("Broken: list is stale (never loaded" in line for line in lines)
    kinds = sorted(n.kind for n in refresh.open_notices(session=db))
    assert kinds == ["refresh_failed", "stale"]
