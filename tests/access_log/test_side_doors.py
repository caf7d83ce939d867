"""Finding 1: every side door to ALPR data below the ORM is shut without an access record."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from plateguard.access_log.guard import AccessNotRecorded, protected_tables_read, system_scope
from plateguard.access_log.service import Actor, Justification, audited_access
from plateguard.hotlists.models import HotlistEntry
from plateguard.reads import partitions
from plateguard.reads.models import PlateRead


def test_core_select_through_the_session_connection_is_refused(db: Session) -> None:
    with pytest.raises(AccessNotRecorded):
        db.connection().execute(select(PlateRead.plate_normalized))


def test_raw_text_select_is_refused(db: Session) -> None:
    for statement in (
        "SELECT plate_normalized FROM plate_read",
        "select * from PLATE_READ where 1 = 1",
        'SELECT count(*) FROM "alert"',
        "SELECT plate FROM hotlist_entry",
        "SELECT sha256 FROM stored_image",
        "SELECT plate_before, plate_after FROM plate_read_revision",  # earlier readings of a pass
        "WITH r AS (SELECT * FROM plate_read) SELECT count(*) FROM r",
        "SELECT * FROM main.plate_read"
        if db.get_bind().dialect.name == "sqlite"
        else "SELECT * FROM public.alert",
    ):
        with pytest.raises(AccessNotRecorded):
            db.execute(text(statement))


def test_an_update_that_returns_rows_is_refused(db: Session) -> None:
    with pytest.raises(AccessNotRecorded):
        db.execute(text("UPDATE plate_read SET region = region WHERE 1 = 0 RETURNING plate_normalized"))


def test_core_select_of_hotlist_entries_through_the_connection_is_refused(db: Session) -> None:
    with pytest.raises(AccessNotRecorded):
        db.connection().execute(select(HotlistEntry.plate))


def test_sqlite_full_text_table_and_its_shadow_tables_are_refused(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the full-text table exists on SQLite only")
    for table in ("plate_read_fts", "plate_read_fts_content", "plate_read_fts_data", "plate_read_fts_idx"):
        with pytest.raises(AccessNotRecorded):
            db.execute(text(f"SELECT * FROM {table}"))


def test_postgresql_partitions_are_refused(db: Session) -> None:
    assert protected_tables_read("SELECT * FROM plate_read_m2026_11") == {"plate_read_m2026_11"}
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("plate_read is partitioned on PostgreSQL only")
    partitions.ensure_for(db, [dt.datetime(2031, 1, 15, tzinfo=dt.UTC)])  # as the owner or the app role
    with pytest.raises(AccessNotRecorded):
        db.execute(text("SELECT * FROM plate_read_m2031_01"))


def test_an_audited_access_opens_every_door_and_records_it(db: Session) -> None:
    actor = Actor("det.nair", "Det. Priya Nair", "Test PD", "Investigator")
    with audited_access(
        session=db,
        actor=actor,
        action="reads.search",
        query={"plate": "7ABC123"},
        justification=Justification("Criminal investigation", "", "26-1"),
    ) as result:
        rows = db.execute(text("SELECT plate_normalized FROM plate_read")).all()
        rows += db.connection().execute(select(PlateRead.plate_normalized)).all()  # type: ignore[operator]
        result.count = len(rows)
    with system_scope(db, "test"):
        assert db.execute(text("SELECT count(*) FROM plate_read")).scalar() == 0


def test_writes_and_unrelated_tables_pass() -> None:
    assert protected_tables_read("INSERT INTO plate_read (id) VALUES (?) RETURNING id") == frozenset()
    assert protected_tables_read("DELETE FROM alert WHERE id = ?") == frozenset()
    assert protected_tables_read("SELECT id FROM alert_delivery") == frozenset()
    assert protected_tables_read("SELECT id FROM hotlist WHERE name = 'plate_read'") == frozenset()
    assert protected_tables_read("INSERT INTO plate_read SELECT * FROM plate_read_old") == {"plate_read"}
