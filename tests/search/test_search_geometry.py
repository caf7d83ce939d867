"""Canvass geometry away from (0, 0), where a sign error in the local plane or the ray casting shows.

The scene is Manteca (37.8 N, 121.2 W). On compiler.py's local plane a degree of latitude is 110,540 m
and a degree of longitude 111,320 m x cos(latitude): at 37.8 degrees, cos = 0.790155, so 87,960 m. Reads
are placed at 0.99 and 1.01 of a 1,000 m radius in each direction (and at 0.7 and 0.72 of it on both
axes at once, 0.99 and 1.018 of the radius away), so each lies clearly inside or outside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts.models import Agency, User
from plateguard.accounts.roles import Role
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import CameraKind
from plateguard.config import DEFAULT_PURPOSES
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.search import service as search_service
from plateguard.reads.search.compiler import inside_polygon
from plateguard.reads.search.schemas import Justified, Point, SearchQuery
from tests.conftest import ANY_CAPTURE_TIME, TEST_ACTOR, Trained

WHY = Justified(purpose="Criminal investigation", case_number="26-000778")
T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
LAT, LON = 37.8, -121.2
DEG_LAT = 1000 / 110_540  # 0.0090465 degrees: 1,000 m north or south
DEG_LON = 1000 / 87_960  # 0.0113688 degrees: 1,000 m east or west at 37.8 N
# plate -> (metres north, metres east) as fractions of the radius
PLACES = {
    "N99": (0.99, 0.0),
    "N101": (1.01, 0.0),
    "S99": (-0.99, 0.0),
    "S101": (-1.01, 0.0),
    "E99": (0.0, 0.99),
    "E101": (0.0, 1.01),
    "W99": (0.0, -0.99),
    "W101": (0.0, -1.01),
    "NE70": (0.7, 0.7),
    "NE72": (0.72, 0.72),
    "SW70": (-0.7, -0.7),
    "SW72": (-0.72, -0.72),
    "A8I2": (0.0, 0.0),  # at the centre; AB12 with two look-alike characters (B/8, 1/I)
}
INSIDE = {"N99", "S99", "E99", "W99", "NE70", "SW70", "A8I2"}


@pytest.fixture()
def manteca(db: Session, agency: Agency, tmp_path: Path, trained: Trained) -> User:
    camera = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Unit 12", kind=CameraKind.MOBILE
    )
    for plate, (north, east) in PLACES.items():
        read = ReadSubmission(
            plate=plate,
            confidence=0.95,
            captured_at=T0,
            latitude=LAT + north * DEG_LAT,
            longitude=LON + east * DEG_LON,
        )
        ingest_service.store_read(
            session=db, camera=camera, read=read, images_dir=tmp_path / "images", window=ANY_CAPTURE_TIME
        )
    return trained("det.geometry", Role.INVESTIGATOR)


def found(db: Session, user: User, **criteria: Any) -> set[str]:
    query = SearchQuery.model_validate(
        {"since": T0 - dt.timedelta(hours=1), "until": T0 + dt.timedelta(hours=1), **criteria}
    )
    page = search_service.search(
        session=db, actor=Actor.of(user), query=query, why=WHY, purposes=DEFAULT_PURPOSES
    )
    return {read.plate for read in page.reads}


def test_a_radius_away_from_the_origin_finds_exactly_the_reads_within_it(db: Session, manteca: User) -> None:
    circle = {"center": {"latitude": LAT, "longitude": LON}, "metres": 1000}
    assert found(db, manteca, radius=circle) == INSIDE


def test_a_longer_window_finds_the_same_reads_in_the_radius(db: Session, manteca: User) -> None:
    circle = {"center": {"latitude": LAT, "longitude": LON}, "metres": 1000}
    window = {"since": T0 - dt.timedelta(days=3), "until": T0 + dt.timedelta(days=3)}
    assert found(db, manteca, radius=circle, **window) == INSIDE


# A diamond around the scene whose four edges all slant: inside means
# |north| / 0.02 + |east| / 0.03 < 1 (in degrees from the centre).
DIAMOND = [
    {"latitude": LAT + 0.02, "longitude": LON},
    {"latitude": LAT, "longitude": LON + 0.03},
    {"latitude": LAT - 0.02, "longitude": LON},
    {"latitude": LAT, "longitude": LON - 0.03},
]


@pytest.mark.parametrize(("north_sign", "east_sign"), [(1, 1), (1, -1), (-1, 1), (-1, -1)])
def test_ray_casting_on_each_slanted_edge_away_from_the_origin(north_sign: int, east_sign: int) -> None:
    diamond = tuple(Point.model_validate(p) for p in DIAMOND)
    north = north_sign * 0.01  # half way up: the edge is 0.015 degrees east or west of the centre line
    assert inside_polygon(LAT + north, LON + east_sign * 0.0148, diamond)
    assert not inside_polygon(LAT + north, LON + east_sign * 0.0152, diamond)
    assert inside_polygon(LAT + north_sign * 0.0198, LON + east_sign * 0.0002, diamond)
    assert not inside_polygon(LAT + north_sign * 0.0202, LON, diamond)
    # Reversing the order of the corners draws the same diamond.
    assert inside_polygon(LAT + north, LON + east_sign * 0.0148, diamond[::-1])
    assert not inside_polygon(LAT + north, LON + east_sign * 0.0152, diamond[::-1])


def test_a_polygon_search_away_from_the_origin(db: Session, manteca: User) -> None:
    # A diamond 1,000 m to each corner: the axis reads at 0.99 lie inside, those at 1.01 outside; the
    # diagonal reads at 0.7 of the radius on both axes (0.7 + 0.7 > 1) lie outside it.
    corners = [
        {"latitude": LAT + DEG_LAT, "longitude": LON},
        {"latitude": LAT, "longitude": LON + DEG_LON},
        {"latitude": LAT - DEG_LAT, "longitude": LON},
        {"latitude": LAT, "longitude": LON - DEG_LON},
    ]
    assert found(db, manteca, polygon=corners) == {"N99", "S99", "E99", "W99", "A8I2"}


def test_fuzzy_search_finds_a_plate_two_look_alike_characters_away(db: Session, manteca: User) -> None:
    # Two substitutions are more than one edit: only the look-alike table finds A8I2 for AB12.
    assert found(db, manteca, plate="AB12", match="fuzzy") == {"A8I2"}
