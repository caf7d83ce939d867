"""Each of the guard's two checks holds by itself, and what it refuses reaches the caller as one error.

The session check refuses an ORM read before any SQL is compiled or sent ("query on ..."); the engine
check refuses the SQL text itself ("statement on ..."). Either alone would close the ORM path; these
tests make sure neither is only riding on the other.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Executable, select, union, update
from sqlalchemy.orm import Session, aliased

from plateguard.access_log.guard import AccessNotRecorded, protected_tables_read
from plateguard.alerts.models import Alert
from plateguard.cameras.models import Camera
from plateguard.hotlists.models import HotlistEntry
from plateguard.reads.models import PlateRead, PlateReadRevision, StoredImage
from plateguard.web.errors import install_error_handlers

SURVEYED = aliased(PlateRead)


@pytest.mark.parametrize(
    ("table", "query"),
    [
        ("plate_read", select(PlateRead)),
        ("plate_read_revision", select(PlateReadRevision.plate_after)),
        ("stored_image", select(StoredImage.sha256)),
        ("hotlist_entry", select(HotlistEntry.plate)),
        ("alert", select(Alert.id)),
        ("plate_read", select(Camera.id).where(Camera.id.in_(select(PlateRead.camera_id)))),
        ("plate_read", select(Camera.name).join(PlateRead, PlateRead.camera_id == Camera.id)),
        ("plate_read", select(SURVEYED.camera_id)),
        ("plate_read", select(Camera.id).join(SURVEYED, SURVEYED.camera_id == Camera.id)),
        ("plate_read", union(select(Camera.id), select(PlateRead.camera_id))),
    ],
    ids=[
        "read",
        "revision",
        "image",
        "hotlist entry",
        "alert",
        "subquery",
        "join",
        "alias",
        "aliased join",
        "union",
    ],
)
def test_an_orm_read_is_refused_by_the_session_check_before_any_sql(
    db: Session, table: str, query: Executable
) -> None:
    with pytest.raises(AccessNotRecorded, match=f"^query on {table} outside an audited access"):
        db.execute(query)


def test_an_orm_write_that_reads_nothing_back_passes(db: Session) -> None:
    outcome = db.execute(update(PlateRead).where(PlateRead.region == "xx-none").values(region="us-ca"))
    assert outcome.rowcount == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "statement",
    [
        "TABLE plate_read",
        "COPY plate_read TO STDOUT",
        "COPY (SELECT plate FROM hotlist_entry) TO STDOUT",
        "EXPLAIN ANALYZE SELECT * FROM alert",
        "INSERT INTO plate_read_revision (read_id) SELECT id FROM plate_read",
        "DELETE FROM stored_image WHERE id = 1 RETURNING sha256",
    ],
)
def test_statements_that_read_are_caught_by_their_sql_text(statement: str) -> None:
    assert protected_tables_read(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO plate_read (plate) VALUES ('SELECT') RETURNING id",
        "DELETE FROM plate_read WHERE id = 1",
        "UPDATE alert SET status = 'closed' WHERE id = 2",
        "PRAGMA table_info(plate_read)",
        "SELECT count(*) FROM camera WHERE name = 'plate_read'",
    ],
)
def test_writes_and_names_in_text_are_not_reads(statement: str) -> None:
    assert not protected_tables_read(statement)


def test_a_refused_read_is_an_internal_error_with_its_own_code() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/v1/leak")
    def leak() -> None:
        raise AccessNotRecorded("query on plate_read outside an audited access")

    answer = TestClient(app, raise_server_exceptions=False).get("/api/v1/leak")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "access_not_recorded"
