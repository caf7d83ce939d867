"""Finding 1, in the database: the application role reads ALPR tables only under the database's own grant.

An insider holding the application's database login (psql, a script) goes around plateguard's own guard.
These tests act as that insider on a raw connection, with no plateguard code in the way.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import cv2
import numpy as np
import psycopg
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor, Justification, audited_access
from plateguard.accounts import service as account_service
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import CameraKind
from plateguard.config import load_settings
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistSource
from plateguard.ingest.hooks import read_stored_callback
from plateguard.ingest.schemas import ReadSubmission
from plateguard.ingest.service import store_batch
from plateguard.reads.models import PlateRead
from tests.access_log.conftest import Roles
from tests.conftest import ANY_CAPTURE_TIME, TEST_ACTOR
from tests.hotlists.conftest import make_list, stolen

pytestmark = pytest.mark.postgres

ALPR_TABLES = ("plate_read", "plate_read_revision", "stored_image", "hotlist_entry", "alert")
REFUSED = "outside an audited access"


def png() -> bytes:
    ok, encoded = cv2.imencode(".png", np.full((20, 60, 3), 200, dtype=np.uint8))
    assert ok
    return bytes(encoded)


def store_reads(app: Engine, tmp_path: Path, captured: dt.datetime, plates: list[str]) -> None:
    """Reads stored by plateguard itself while connected as the application role: the first plate is on
    a hotlist (an alert), has an image, and is read again more surely (a revision)."""
    settings = load_settings(overrides={"data_dir": tmp_path})
    on_stored = read_stored_callback(settings, matcher=LiveMatcher())
    with Session(app) as session:
        agency = account_service.ensure_home_agency(
            session=session, name="Test Police Department", ori="CA0000000", state="CA"
        )
        camera = camera_service.create(
            session=session, actor=TEST_ACTOR, agency=agency, name="Main St (NB)", kind=CameraKind.FIXED
        )
        make_list(session, "Department BOLO", HotlistSource.DEPARTMENT, stolen(plates[0]))
        first = ReadSubmission(
            plate=plates[0][:-1] + "8",
            confidence=0.6,
            captured_at=captured,
            plate_image=base64.b64encode(png()),
        )
        reads = [
            first.model_copy(update={"plate": plates[0], "confidence": 0.95, "plate_image": None}),
            *(
                ReadSubmission(plate=plate, confidence=0.9, captured_at=captured + dt.timedelta(seconds=i))
                for i, plate in enumerate(plates[1:], start=1)
            ),
        ]
        for batch in ([first], reads):
            store_batch(
                session=session,
                camera=camera,
                reads=batch,
                images_dir=tmp_path,
                window=ANY_CAPTURE_TIME,
                on_stored=on_stored,
            )
        session.commit()


def test_every_alpr_table_refuses_the_application_role_without_a_grant(roles: Roles, tmp_path: Path) -> None:
    store_reads(roles.app, tmp_path, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), ["7ABC123", "8XYZ987"])
    with roles.owner.connect() as connection, system_scope(None, "test"):  # every table holds a row
        for table in ALPR_TABLES:
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() >= 1, table
    connection = roles.insider()
    try:
        for table in ALPR_TABLES:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSED):
                connection.cursor().execute(f"SELECT * FROM {table}")
            connection.rollback()
        for change in ("UPDATE plate_read SET plate_text = 'X'", "DELETE FROM alert"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSED):
                connection.cursor().execute(change)
            connection.rollback()
    finally:
        connection.close()


def test_the_months_of_plate_read_and_the_grant_secret_are_out_of_reach(roles: Roles, tmp_path: Path) -> None:
    store_reads(roles.app, tmp_path, dt.datetime(2019, 3, 9, 12, tzinfo=dt.UTC), ["7ABC123"])
    connection = roles.insider()
    try:
        for statement in (
            "SELECT * FROM plate_read_m2019_03",  # made for the application role by the owner's function
            "SELECT * FROM alpr_grant_key",
            "SELECT plateguard_alpr_token()",
            "CREATE TABLE plate_read_m2040_01 PARTITION OF plate_read"
            " FOR VALUES FROM ('2040-01-01') TO ('2040-02-01')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.cursor().execute(statement)
            connection.rollback()
    finally:
        connection.close()


def test_a_forged_borrowed_or_stale_grant_is_refused(roles: Roles, tmp_path: Path) -> None:
    store_reads(roles.app, tmp_path, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), ["7ABC123"])
    first, second = roles.insider(), roles.insider()
    try:
        cursor = first.cursor()
        cursor.execute("SELECT set_config('plateguard.alpr_grant', repeat('a', 64), true)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSED):
            cursor.execute("SELECT plate_normalized FROM plate_read")
        first.rollback()

        cursor = first.cursor()
        cursor.execute("SELECT plateguard_open_alpr('insider test')")
        cursor.execute("SELECT current_setting('plateguard.alpr_grant')")
        token = cursor.fetchone()[0]
        cursor.execute("SELECT plate_normalized FROM plate_read")
        assert cursor.fetchall() == [("7ABC123",)]  # the grant opens the table for its own transaction
        first.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSED):
            first.cursor().execute("SELECT plate_normalized FROM plate_read")  # ... and for no later one
        first.rollback()

        borrowed = second.cursor()  # another session presenting the token it saw
        borrowed.execute("SELECT set_config('plateguard.alpr_grant', %s, true)", (token,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSED):
            borrowed.execute("SELECT plate_normalized FROM plate_read")
        second.rollback()
    finally:
        first.close()
        second.close()


def test_every_opening_leaves_a_line_in_the_server_log(roles: Roles) -> None:
    connection = roles.insider()
    said: list[str] = []
    connection.add_notice_handler(lambda notice: said.append(notice.message_primary or ""))
    try:
        cursor = connection.cursor()
        cursor.execute("SET client_min_messages = log")  # what the server log receives, shown here too
        cursor.execute("SELECT plateguard_open_alpr('looking up my neighbour')")
        connection.rollback()  # a rollback takes the grant back, not the log line
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="needs a reason"):
            cursor.execute("SELECT plateguard_open_alpr('  ')")
        connection.rollback()
    finally:
        connection.close()
    assert len(said) == 1
    assert '"looking up my neighbour"' in said[0] and roles.role not in said[0]  # session user: the login
    assert "postgres" in said[0]


def test_plateguard_itself_works_as_the_application_role(roles: Roles, tmp_path: Path) -> None:
    captured = dt.datetime(2019, 5, 2, 8, tzinfo=dt.UTC)  # a month without a partition yet
    store_reads(roles.app, tmp_path, captured, ["7ABC123", "8XYZ987"])
    actor = Actor("det.nair", "Det. Priya Nair", "Test PD", "Investigator")
    with Session(roles.app) as session:
        with audited_access(
            session=session,
            actor=actor,
            action="reads.search",
            query={"plate": "7ABC123"},
            justification=Justification("Criminal investigation", "", "26-1"),
        ) as result:
            found = session.scalars(
                select(PlateRead.plate_normalized).where(PlateRead.plate_normalized == "7ABC123")
            ).all()
            result.count = len(found)
        session.commit()
    assert found == ["7ABC123"]
    with roles.owner.connect() as connection, system_scope(None, "test"):  # the owner sees it all
        assert connection.scalar(select(func.count()).select_from(PlateRead)) == 2
        assert connection.execute(
            text("SELECT action FROM access_record WHERE username = 'det.nair'")
        ).all() == [("reads.search",)]
