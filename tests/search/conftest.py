"""A small, known set of reads around two cameras, and trained users to search them."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts.models import Agency, User
from plateguard.accounts.roles import Role
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.demo_scenes import render_plate
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.schemas import VehicleAttributes
from tests.conftest import TEST_ACTOR, Trained

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
MAIN_ST = (37.7975, -121.2160)
AIRPORT_WAY = (37.8270, -121.2520)  # about 4.5 km north-west of Main St


@dataclass
class Scene:
    main_st: Camera
    airport_way: Camera
    reads: dict[str, list[str]]  # plate -> read ids


@pytest.fixture()
def investigator(trained: Trained) -> User:
    return trained("priya", Role.INVESTIGATOR)


READS = (
    # plate, camera, hours before NOW, region, colour, type, with plate image
    ("7ABC123", "main", 1, "us-ca", "white", "sedan", True),
    ("7ABC123", "airport", 24 * 30, "us-ca", "white", "sedan", False),
    ("7A8C123", "main", 2, "us-ca", "white", "sedan", False),  # look-alike: B read as 8
    ("7XBC123", "airport", 3, "us-ca", "blue", "sedan", False),  # one substitution
    ("7ABC12", "main", 4, "us-ca", "grey", "sedan", False),  # one character missed
    ("8XYZ999", "airport", 5, "us-nv", "red", "truck", False),
    ("5KX9000", "main", 1, "us-ca", "black", "suv", False),
)


@pytest.fixture()
def scene(db: Session, agency: Agency, tmp_path: Path) -> Scene:
    main = camera_service.create(
        session=db,
        actor=TEST_ACTOR,
        agency=agency,
        name="Main St",
        kind=CameraKind.FIXED,
        latitude=MAIN_ST[0],
        longitude=MAIN_ST[1],
    )
    airport = camera_service.create(
        session=db,
        actor=TEST_ACTOR,
        agency=agency,
        name="Airport Way",
        kind=CameraKind.FIXED,
        latitude=AIRPORT_WAY[0],
        longitude=AIRPORT_WAY[1],
    )
    cameras = {"main": main, "airport": airport}
    ids: dict[str, list[str]] = {}
    for plate, camera, hours, region, colour, kind, with_image in READS:
        read = ingest_service.store_read(
            session=db,
            camera=cameras[camera],
            read=ReadSubmission(
                plate=plate,
                confidence=0.95,
                region=region,
                captured_at=NOW - dt.timedelta(hours=hours),
                vehicle=VehicleAttributes(color=colour, type=kind),
                plate_image=base64.b64encode(render_plate(plate)) if with_image else None,
            ),
            images_dir=tmp_path / "images",
        )
        ids.setdefault(plate, []).append(str(read.id))
    return Scene(main, airport, ids)


def last_record(db: Session) -> AccessRecord:
    record = db.scalars(select(AccessRecord).order_by(AccessRecord.sequence.desc())).first()
    assert record is not None
    return record
