"""What an import tells the importer: every skipped row before anything is replaced, rows that do not fit
the header refused, and the new list matched against recent reads like an entry added by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.alerts.models import Alert
from plateguard.cameras.models import Camera
from plateguard.database import utcnow
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistEntry, HotlistSource
from plateguard.hotlists.parsed import HotFileError
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.schemas import Candidate
from tests.hotlists.conftest import make_list, stolen

ACTOR = Actor.system("Test Police Department", "test")
WITH_JUNK = b"plate,state,reason\nABC1234,CA,stolen\n#$%!,CA,junk row\nXYZ9876,CA,stolen\nUNKNOWN,CA,dummy\n"


def plates(db: Session, hotlist_id: int) -> list[str]:
    with system_scope(db, "test"):
        query = select(HotlistEntry.plate).where(HotlistEntry.hotlist_id == hotlist_id)
        return sorted(db.scalars(query))


def alerts_on(db: Session, hotlist_id: int) -> list[Alert]:
    with system_scope(db, "test"):
        return list(db.scalars(select(Alert).where(Alert.hotlist_id == hotlist_id)))


def import_csv(db: Session, hotlist_id: int, data: bytes, **options: Any) -> refresh.ImportReport:
    hotlist = hotlist_service.get(session=db, hotlist_id=hotlist_id)
    parsed = refresh.parse_bytes(data, file_format="csv", source_name="list.csv")
    return refresh.replace_with(
        session=db, actor=ACTOR, hotlist=hotlist, parsed=parsed, source_name="list.csv", **options
    )


def test_a_file_with_skipped_rows_is_refused_with_each_line_and_reason_until_confirmed(db: Session) -> None:
    hotlist = make_list(db, "BOLO", HotlistSource.DEPARTMENT, stolen("OLD0001"))
    with pytest.raises(refresh.SkippedRowsRefused) as refused:
        import_csv(db, hotlist.id, WITH_JUNK)
    message = refused.value.message
    assert "2 rows of the file would be skipped" in message
    assert "line 3: plate '#$%!' has no letters or digits" in message
    assert "line 5: plate 'UNKNOWN' is a placeholder" in message
    assert plates(db, hotlist.id) == ["OLD0001"]  # nothing replaced

    report = import_csv(db, hotlist.id, WITH_JUNK, confirm_skipped=True)
    assert report.entries == 2
    assert [(row.line, row.reason) for row in report.skipped_rows] == [
        (3, "plate '#$%!' has no letters or digits"),
        (5, "plate 'UNKNOWN' is a placeholder, not a plate"),
    ]
    assert plates(db, hotlist.id) == ["ABC1234", "XYZ9876"]


def test_a_row_with_fewer_columns_than_the_header_is_an_error(db: Session) -> None:
    hotlist = make_list(db, "BOLO", HotlistSource.DEPARTMENT, stolen("OLD0001"))
    short_row = b"plate,state,case_number\nABC1234,CA,26-0001\nXYZ9876,CA\n"
    with pytest.raises(HotFileError, match="line 3: 2 columns but the header names 3"):
        import_csv(db, hotlist.id, short_row, confirm_skipped=True)
    assert plates(db, hotlist.id) == ["OLD0001"]


def _read(db: Session, camera: Camera, tmp_path: Path, plate: str, age: dt.timedelta) -> None:
    read = ReadSubmission(
        plate=plate,
        confidence=0.93,
        candidates=[Candidate(plate=plate, confidence=0.93)],
        region="us-ca",
        captured_at=utcnow() - age,
    )
    ingest_service.store_read(session=db, camera=camera, read=read, images_dir=tmp_path / "images")


def test_an_imported_list_raises_retroactive_alerts_for_recent_reads_only_once(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    _read(db, camera, tmp_path, "ABC1234", dt.timedelta(days=2))
    _read(db, camera, tmp_path, "XYZ9876", dt.timedelta(days=45))  # older than the 30 days looked at
    _read(db, camera, tmp_path, "QQQ1111", dt.timedelta(hours=1))  # on no list
    _read(db, camera, tmp_path, "LMN4545", dt.timedelta(days=45))
    hotlist = make_list(db, "BOLO", HotlistSource.DEPARTMENT)
    data = b"plate,state\nABC1234,CA\nXYZ9876,CA\n"

    report = import_csv(db, hotlist.id, data)
    alerts = alerts_on(db, hotlist.id)
    assert report.retroactive_alerts == 1
    assert [(a.entry["plate"], a.retroactive) for a in alerts] == [("ABC1234", True)]

    again = import_csv(db, hotlist.id, data)  # the nightly reload of the same file
    assert again.retroactive_alerts == 0 and len(alerts_on(db, hotlist.id)) == 1

    # Only entries new to the list are matched: those already on it were matched when they came.
    assert import_csv(db, hotlist.id, data, retroactive_days=60).retroactive_alerts == 0
    wider = import_csv(db, hotlist.id, data + b"LMN4545,CA\n", retroactive_days=60)
    assert wider.retroactive_alerts == 1  # the new entry's 45-day-old read, inside the wider window
