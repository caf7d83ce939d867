"""A hotlisted plate that the reader ranked second still raises an alert, marked as a candidate match."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from plateguard.alerts import service as alert_service
from plateguard.cameras.models import Camera
from plateguard.database import utcnow
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistSource
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead
from plateguard.reads.schemas import Candidate
from plateguard.reads.stored import StoredRead
from tests.hotlists.conftest import make_list, stolen


def read_with(db: Session, camera: Camera, tmp_path: Path, *candidates: tuple[str, float]) -> PlateRead:
    plate, confidence = candidates[0]
    read = ReadSubmission(
        plate=plate,
        confidence=confidence,
        candidates=[Candidate(plate=p, confidence=c) for p, c in candidates],
        region="us-ca",
        captured_at=utcnow() - dt.timedelta(seconds=5),
    )
    return ingest_service.store_read(session=db, camera=camera, read=read, images_dir=tmp_path)


def test_an_alternative_reading_that_is_hotlisted_raises_a_candidate_alert(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    read = read_with(db, camera, tmp_path, ("7XBC12", 0.62), ("7ABC123", 0.41), ("7XBC123", 0.2))
    (alert,) = alert_service.process_new_reads(session=db, reads=[StoredRead.of(read)], matcher=LiveMatcher())
    assert (alert.match_kind, alert.entry["plate"], alert.score) == ("candidate", "7ABC123", 0.7)


def test_the_plate_as_read_outranks_an_alternative_on_the_same_entry(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    read = read_with(db, camera, tmp_path, ("7A8C123", 0.7), ("7ABC123", 0.6))
    (alert,) = alert_service.process_new_reads(session=db, reads=[StoredRead.of(read)], matcher=LiveMatcher())
    assert alert.match_kind == "fuzzy"


def test_unlikely_or_only_similar_alternatives_raise_nothing(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    unlikely = read_with(db, camera, tmp_path, ("4QQQ444", 0.9), ("7ABC123", 0.1))
    similar_only = read_with(db, camera, tmp_path, ("4QQQ444", 0.9), ("7A8C123", 0.5))
    live = LiveMatcher()
    assert alert_service.process_new_reads(session=db, reads=[StoredRead.of(unlikely)], matcher=live) == []
    assert (
        alert_service.process_new_reads(session=db, reads=[StoredRead.of(similar_only)], matcher=live) == []
    )
