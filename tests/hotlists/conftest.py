"""Fixtures for hotlists and alerts: trained users, a camera, stored reads, a list with entries."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts.models import Agency
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import utcnow
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistCategory, HotlistSource
from plateguard.hotlists.parsed import ParsedEntry, ParsedFile
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead
from plateguard.reads.schemas import Candidate
from tests.conftest import TEST_ACTOR


@pytest.fixture()
def camera(db: Session, agency: Agency) -> Camera:
    return camera_service.create(
        session=db,
        actor=TEST_ACTOR,
        agency=agency,
        name="Main St NB",
        kind=CameraKind.FIXED,
        latitude=37.79,
        longitude=-121.21,
    )


StoreRead = Callable[..., PlateRead]


@pytest.fixture()
def store_read(db: Session, camera: Camera, tmp_path: Path) -> StoreRead:
    def create(plate: str, region: str | None = "us-ca", image: bytes | None = None) -> PlateRead:
        read = ReadSubmission(
            plate=plate,
            confidence=0.91,
            candidates=[Candidate(plate=plate, confidence=0.91)],
            region=region,
            captured_at=utcnow() - dt.timedelta(seconds=5),
            plate_image=base64.b64encode(image) if image else None,
        )
        return ingest_service.store_read(session=db, camera=camera, read=read, images_dir=tmp_path / "images")

    return create


def make_list(db: Session, name: str, source: HotlistSource, *entries: ParsedEntry) -> Hotlist:
    actor = Actor.system("Test Police Department", "test")
    hotlist = hotlist_service.create(session=db, actor=actor, name=name, source=source)
    hotlist_service.replace_entries(
        session=db, actor=actor, hotlist=hotlist, parsed=ParsedFile(list(entries)), source_name="test"
    )
    return hotlist


def stolen(plate: str, state: str | None = "CA", **extra: object) -> ParsedEntry:
    return ParsedEntry(plate, state, HotlistCategory.STOLEN_VEHICLE, "Stolen vehicle", **extra)  # type: ignore[arg-type]


def access_actions(db: Session, since_id: int = 0) -> list[tuple[str, str, str]]:
    rows = db.execute(
        select(AccessRecord.action, AccessRecord.username, AccessRecord.outcome)
        .where(AccessRecord.id > since_id)
        .order_by(AccessRecord.sequence)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def last_access_id(db: Session) -> int:
    from sqlalchemy import func

    return int(db.scalar(select(func.coalesce(func.max(AccessRecord.id), 0))) or 0)


def reads_count(db: Session) -> int:
    from sqlalchemy import func

    with system_scope(db, "test"):
        return int(db.scalar(select(func.count()).select_from(PlateRead)) or 0)


def import_file(
    *,
    session: Session,
    actor: Actor,
    hotlist: Hotlist,
    data: bytes,
    source_name: str,
    file_format: str | None = None,
    **rules: Any,
) -> refresh.ImportReport:
    """A hot file parsed, then loaded, as the import page and the command do (two steps)."""
    parsed = refresh.parse_bytes(
        data, file_format=file_format or hotlist.file_format, source_name=source_name
    )
    return refresh.replace_with(
        session=session, actor=actor, hotlist=hotlist, parsed=parsed, source_name=source_name, **rules
    )
