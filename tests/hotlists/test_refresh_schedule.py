"""What the scheduled refresh is told (its clock, time zone, shrink share and look-back) and the stale
alarm it raises: each setting reaches the list it refreshes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.alerts.models import Alert
from plateguard.hotlists import refresh
from plateguard.hotlists.models import Hotlist
from tests.hotlists.conftest import StoreRead
from tests.hotlists.test_refresh_failures import create
from tests.hotlists.test_service import GOOD_CLEW

LOADED = dt.datetime(2026, 11, 5, 6, tzinfo=dt.UTC)  # 22:00 the evening before in California (PST)
SYSTEM = Actor.system("Test PD", "hotlist refresh")


@pytest.fixture()
def factory(db: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def loaded_list(db: Session, *, hours: int = 24) -> Hotlist:
    hotlist = create(db, "SVS", "/srv/hot/svs.tbl")
    hotlist.last_loaded_at, hotlist.max_age_hours = LOADED, hours
    db.flush()
    return hotlist


def test_a_list_is_stale_only_past_its_age_and_the_alarm_is_an_access_record(db: Session) -> None:
    loaded_list(db)
    at_age = LOADED + dt.timedelta(hours=24)
    assert refresh.check_ages(session=db, actor=SYSTEM, now=at_age) == []
    [line] = refresh.check_ages(session=db, actor=SYSTEM, now=at_age + dt.timedelta(seconds=1))
    assert line == "SVS: list is stale (last loaded 2026-11-05 06:00 UTC; allowed age 24 h)"
    alarms = db.scalars(select(AccessRecord.query).where(AccessRecord.action == "hotlists.stale")).all()
    assert alarms == [{"hotlist": "SVS"}]


def test_the_stale_alarm_shows_the_load_time_in_the_agencys_zone(db: Session) -> None:
    loaded_list(db)
    [line] = refresh.check_ages(
        session=db, actor=SYSTEM, now=LOADED + dt.timedelta(days=2), zone="America/Los_Angeles"
    )
    assert "last loaded 2026-11-04 22:00 PST" in line


def test_the_refresh_judges_age_by_its_own_clock_and_zone(
    db: Session, factory: sessionmaker[Session]
) -> None:
    hotlist = loaded_list(db, hours=48)
    hotlist.refresh_path = "/nonexistent/svs.tbl"  # the refresh fails; the list's age decides the alarm
    db.flush()
    fresh = refresh.refresh_all(factory=factory, organisation="Test PD", now=LOADED + dt.timedelta(hours=47))
    assert fresh == ["SVS: refresh FAILED: cannot read /nonexistent/svs.tbl: No such file or directory"]
    late = refresh.refresh_all(
        factory=factory,
        organisation="Test PD",
        now=LOADED + dt.timedelta(hours=49),
        zone="America/Los_Angeles",
    )
    assert late[1] == "SVS: list is stale (last loaded 2026-11-04 22:00 PST; allowed age 48 h)"
    utc = refresh.refresh_all(factory=factory, organisation="Test PD", now=LOADED + dt.timedelta(hours=49))
    assert "last loaded 2026-11-05 06:00 UTC" in utc[1]


def clew(*plates: str) -> bytes:
    rows = "".join(f"{plate} CA0120261030\r\n" for plate in plates)
    return f"DATE11/05/2026 06:00\r\n{rows}TOTAL RECORD {len(plates):07d}\r\n".encode()


def test_the_refresh_applies_its_shrink_share(
    db: Session, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    source = tmp_path / "svs.tbl"
    source.write_bytes(clew("AAA1001", "AAA1002", "AAA1003", "AAA1004"))
    create(db, "SVS", str(source))
    refresh.refresh_all(factory=factory, organisation="Test PD", now=LOADED)
    source.write_bytes(clew("AAA1001"))  # a cut of 75 %
    [refused] = refresh.refresh_all(factory=factory, organisation="Test PD", now=LOADED)
    assert refused.startswith("SVS: refresh FAILED: the file holds 1 entry and the list 4")
    [notice] = refresh.open_notices(session=db)
    assert notice.message.startswith("SVS: the file holds 1 entry"), "the list named once"
    [loaded] = refresh.refresh_all(factory=factory, organisation="Test PD", now=LOADED, max_shrink=0.8)
    assert loaded == "SVS: 1 entries loaded (0 skipped)"


def test_the_refresh_loads_a_file_with_skipped_rows_and_names_them(
    db: Session, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    source = tmp_path / "bolo.csv"
    source.write_bytes(b"plate,state\r\n7ABC123,CA\r\nUNKNOWN,CA\r\n8XYZ999,CA\r\n")
    create(db, "BOLO", str(source), file_format="csv")
    [line] = refresh.refresh_all(factory=factory, organisation="Test PD", now=LOADED)
    assert line == "BOLO: 2 entries loaded (1 skipped): line 3: plate 'UNKNOWN' is a placeholder, not a plate"


@pytest.mark.parametrize(("days", "alerts"), [(30, 1), (0, 0)])
def test_the_refresh_looks_back_over_recent_reads_as_far_as_told(
    db: Session, factory: sessionmaker[Session], tmp_path: Path, store_read: StoreRead, days: int, alerts: int
) -> None:
    store_read("TEST201")
    source = tmp_path / "svs.tbl"
    source.write_bytes(GOOD_CLEW)
    create(db, "SVS", str(source))
    refresh.refresh_all(factory=factory, organisation="Test PD", now=LOADED, retroactive_days=days)
    with system_scope(db, "test"):
        assert db.scalar(select(func.count()).select_from(Alert)) == alerts
