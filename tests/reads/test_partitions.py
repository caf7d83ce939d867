"""plate_read partitioned by month on PostgreSQL: migration with data, partitions made on demand."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.accounts import service as account_service
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import alembic_config, make_engine, make_session_factory, transaction, upgrade
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads import partitions
from tests.conftest import TEST_ACTOR


def submission(plate: str, captured_at: dt.datetime) -> ReadSubmission:
    return ReadSubmission(id=uuid.uuid4(), plate=plate, confidence=0.9, captured_at=captured_at)


def is_partitioned(engine: Engine) -> bool:
    with engine.connect() as connection:
        query = "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = CAST('plate_read' AS regclass)"
        return bool(connection.execute(text(query)).scalar())


def test_migration_moves_existing_reads_into_monthly_partitions_and_back(
    own_postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(own_postgres_url)
    upgrade(engine, "0007")
    with transaction(make_session_factory(engine)) as session:
        agency = account_service.ensure_home_agency(session=session, name="PD", ori="CA0", state="CA")
        main_st = camera_service.create(
            session=session, actor=TEST_ACTOR, agency=agency, name="Main St", kind=CameraKind.FIXED
        )
        for month in (1, 2, 6):  # the columns of revision 0007, written as SQL (the models are newer)
            session.execute(
                text(
                    "INSERT INTO plate_read (id, camera_id, plate_text, plate_normalized, confidence,"
                    " candidates, captured_at, received_at, vehicle) VALUES (:id, :camera, '7ABC123',"
                    " '7ABC123', 0.9, '[]', :at, :at, '{}')"
                ),
                {"id": uuid.uuid4(), "camera": main_st.id, "at": dt.datetime(2025, month, 15, tzinfo=dt.UTC)},
            )
    upgrade(engine)
    assert is_partitioned(engine)
    names = set(inspect(engine).get_table_names())
    assert {"plate_read_m2025_01", "plate_read_m2025_02", "plate_read_m2025_06"} <= names
    with make_session_factory(engine)() as session:
        assert [p.month.month for p in partitions.partitions(session) if p.month.year == 2025][:3] == [
            1,
            2,
            3,
        ]
    with engine.connect() as connection, system_scope(None, "test"):
        assert connection.execute(text("SELECT count(*) FROM plate_read_m2025_06")).scalar() == 1
        indexes = {i["name"] for i in inspect(connection).get_indexes("plate_read")}
        assert {
            "ix_plate_read_plate_trgm",
            "ix_plate_read_plate_captured",
            "ix_plate_read_captured_at",
        } <= indexes
    with system_scope(None, "schema migration"):  # the downgrade copies reads back, as upgrade() does
        command.downgrade(alembic_config(engine), "0007")
    assert not is_partitioned(engine)
    with engine.connect() as connection, system_scope(None, "test"):
        assert connection.execute(text("SELECT count(*) FROM plate_read")).scalar() == 3
        assert any(f["referred_table"] == "plate_read" for f in inspect(connection).get_foreign_keys("alert"))
    engine.dispose()


def test_a_read_from_a_month_without_a_partition_creates_it(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    if db.get_bind().dialect.name != "postgresql":
        assert partitions.partitions(db) == []  # SQLite keeps one table
        return
    old = dt.datetime(2019, 3, 9, 14, 0, tzinfo=dt.UTC)
    read = submission("4OLD019", old)
    wide = ingest_service.CaptureWindow(days_back=36500)
    first = ingest_service.store_batch(
        session=db, camera=camera, reads=[read], images_dir=tmp_path, window=wide
    )
    again = ingest_service.store_batch(
        session=db, camera=camera, reads=[read], images_dir=tmp_path, window=wide
    )
    assert (first.stored_ids, again.duplicate_ids) == ([read.id], [read.id])
    assert "plate_read_m2019_03" in {p.name for p in partitions.partitions(db)}
    in_month = "SELECT count(*) FROM plate_read WHERE tableoid = to_regclass('plate_read_m2019_03')"
    with system_scope(db, "test"):  # through plate_read: the application role may not name a month
        rows = db.execute(text(in_month)).scalar()
    assert rows == 1


def test_postgresql_has_this_month_and_the_next_ones_ready(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    assert is_partitioned(engine)
    with transaction(make_session_factory(engine)) as session:
        now = dt.datetime.now(dt.UTC)
        months = {p.month for p in partitions.partitions(session)}
        ahead = partitions.next_month(partitions.next_month(partitions.month_start(now)))
        assert partitions.month_start(now) in months and ahead in months
