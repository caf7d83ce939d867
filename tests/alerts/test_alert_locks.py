"""The row lock an alert takes on its hotlist entry (PostgreSQL): a deletion waits, edits do not.

While a read's alert is being raised, an import that deletes the entry must wait for it (or the alert would
point at an entry that is gone); an edit of the entry's own columns, or a refresh of its list, must not
wait, or a busy camera would hold up every hotlist import. SQLite serialises writers with one lock instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, delete, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.accounts import service as account_service
from plateguard.alerts import service as alert_service
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import CameraKind
from plateguard.database import make_engine, upgrade, utcnow
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import Hotlist, HotlistEntry, HotlistSource
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead
from plateguard.reads.schemas import Candidate
from tests.alerts.test_alert_promises import rows
from tests.conftest import TEST_ACTOR
from tests.hotlists.conftest import make_list, stolen

pytestmark = pytest.mark.postgres
LOCK_NOT_AVAILABLE = "55P03"


@dataclass
class Committed:
    engine: Engine
    read: PlateRead
    entry_id: int
    list_id: int


@pytest.fixture()
def committed(own_postgres_url: str, tmp_path: Path) -> Iterator[Committed]:
    """A list with one entry, a camera and a read of that plate, committed for other connections to see."""
    engine = make_engine(own_postgres_url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        agency = account_service.ensure_home_agency(
            session=session, name="Test Police Department", ori="CA0000000", state="CA"
        )
        camera = camera_service.create(
            session=session, actor=TEST_ACTOR, agency=agency, name="Main St NB", kind=CameraKind.FIXED
        )
        hotlist = make_list(session, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
        read = ingest_service.store_read(
            session=session,
            camera=camera,
            read=ReadSubmission(
                plate="7ABC123",
                confidence=0.93,
                candidates=[Candidate(plate="7ABC123", confidence=0.93)],
                region="us-ca",
                captured_at=utcnow() - dt.timedelta(seconds=5),
            ),
            images_dir=tmp_path / "images",
        )
        with system_scope(session, "test"):
            entry_id = session.query(HotlistEntry.id).filter(HotlistEntry.hotlist_id == hotlist.id).scalar()
        session.commit()
    yield Committed(engine, read, entry_id, hotlist.id)
    engine.dispose()


def waits(other: Connection, statement: object) -> bool:
    """Whether ``statement`` had to wait for a row lock (given up after 300 ms); rolled back either way."""
    other.exec_driver_sql("SET lock_timeout = '300ms'")
    try:
        with system_scope(None, "test"):
            other.execute(statement)  # type: ignore[call-overload]
    except OperationalError as error:
        assert getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE, error
        return True
    finally:
        other.rollback()
    return False


def test_raising_an_alert_holds_off_deleting_its_entry_but_not_editing_it(committed: Committed) -> None:
    with Session(committed.engine) as alerting:
        alerts = alert_service.process_new_reads(
            session=alerting, reads=rows(committed.read), matcher=LiveMatcher()
        )
        assert [alert.entry_id for alert in alerts] == [committed.entry_id]  # not committed yet
        removal = delete(HotlistEntry).where(HotlistEntry.id == committed.entry_id)
        edit = (
            update(HotlistEntry).where(HotlistEntry.id == committed.entry_id).values(reason="Plates swapped")
        )
        # What a scheduled refresh of the list writes (its name is a key: the alert's own foreign key
        # holds off renaming the list, whatever the entry's lock).
        loaded = update(Hotlist).where(Hotlist.id == committed.list_id).values(last_loaded_at=utcnow())
        with committed.engine.connect() as other:
            assert waits(other, removal)
            assert not waits(other, edit)
            assert not waits(other, loaded)
        alerting.rollback()
    with committed.engine.connect() as other:
        assert not waits(other, removal)  # the lock went with the transaction


def test_an_alert_being_raised_on_a_list_does_not_hold_off_an_import_of_it(committed: Committed) -> None:
    # An import holds its list's row while it replaces the entries (one import at a time per list,
    # hotlists.service.lock_for_change), in a mode that an alert's foreign key to the list does not
    # conflict with: otherwise a busy camera would hold up the import, or a long import every alert.
    with Session(committed.engine) as alerting:
        alert_service.process_new_reads(session=alerting, reads=rows(committed.read), matcher=LiveMatcher())
        with Session(committed.engine) as importing:
            importing.connection().exec_driver_sql("SET lock_timeout = '300ms'")
            hotlist = importing.get(Hotlist, committed.list_id)
            assert hotlist is not None
            hotlist_service.lock_for_change(session=importing, hotlist=hotlist)  # no wait, no timeout
            importing.rollback()
        alerting.rollback()
