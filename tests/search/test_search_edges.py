"""Searches at their boundaries: a read exactly on a radius, beside a slanted polygon edge, exactly at
``since`` and ``until``; fuzzy search on short plates (no trigram index on SQLite); filters one by one.

Positions are chosen so the arithmetic is exact in binary floating point: at the equator a degree of
latitude is 110,540 m and of longitude 111,320 m (compiler.py's local plane), so 0.125 degrees north is
exactly 13,817.5 m.
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
from plateguard.reads.schemas import VehicleAttributes
from plateguard.reads.search import service as search_service
from plateguard.reads.search.compiler import inside_polygon
from plateguard.reads.search.schemas import Justified, Point, SearchPage, SearchQuery
from tests.conftest import ANY_CAPTURE_TIME, TEST_ACTOR, Trained

WHY = Justified(purpose="Criminal investigation", case_number="26-000777")
T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
EDGE = 13_817.5  # metres: exactly 0.125 degrees of latitude
# plate, latitude, longitude, minutes after T0, colour, type
READS = (
    ("1NORTH1", 0.125, 0.0, 0, "white", "sedan"),  # exactly on the circle
    ("2BEYOND", 0.126, 0.0, 0, "white", "sedan"),  # just outside it, north
    ("3EAST33", 0.0, 0.124, 0, "white", "sedan"),  # 13,803.7 m east: inside
    ("4EASTFR", 0.0, 0.125, 0, "white", "sedan"),  # 13,915 m east: outside the circle, inside its box
    ("5SOUTH5", -0.125, 0.0, 0, "white", "sedan"),  # exactly on the circle, south
    ("6DIAG66", 0.09, 0.09, 0, "white", "sedan"),  # 14,147 m away: in the box, outside the circle
    ("AB12", 0.5, 0.49, 60, "blue", "truck"),
    ("A812", 0.5, 0.51, 120, "blue", "suv"),
    ("AB1", 0.25, 0.74, 30, "red", "truck"),
    ("XB12", 0.75, 0.25, 59, "blue", "truck"),  # exactly on the slanted edge
    ("AB123", 0.3, 0.3, 200, "green", "van"),  # one extra character, and newer than the look-alike
)


@pytest.fixture()
def placed(db: Session, agency: Agency, tmp_path: Path, trained: Trained) -> User:
    camera = camera_service.create(
        session=db,
        actor=TEST_ACTOR,
        agency=agency,
        name="Mobile 7",
        kind=CameraKind.MOBILE,
        group="Harbor patrol",
    )
    other = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Gate 2", kind=CameraKind.FIXED
    )
    ingest_service.store_read(
        session=db,
        camera=other,
        window=ANY_CAPTURE_TIME,
        read=ReadSubmission(
            plate="QQ77", confidence=0.9, region="us-nv", captured_at=T0, latitude=5, longitude=5
        ),
        images_dir=tmp_path / "images",
    )
    for plate, latitude, longitude, minutes, colour, kind in READS:
        read = ReadSubmission(
            plate=plate,
            confidence=0.95,
            region="us-ca",
            captured_at=T0 + dt.timedelta(minutes=minutes),
            latitude=latitude,
            longitude=longitude,
            vehicle=VehicleAttributes(color=colour, type=kind),
        )
        ingest_service.store_read(
            session=db, camera=camera, read=read, images_dir=tmp_path / "images", window=ANY_CAPTURE_TIME
        )
    return trained("det.edges", Role.INVESTIGATOR)


def search(db: Session, user: User, **criteria: Any) -> SearchPage:
    criteria.setdefault("since", T0 - dt.timedelta(days=1))
    criteria.setdefault("until", T0 + dt.timedelta(days=1))
    return search_service.search(
        session=db,
        actor=Actor.of(user),
        query=SearchQuery.model_validate(criteria),
        why=WHY,
        purposes=DEFAULT_PURPOSES,
    )


def found(db: Session, user: User, **criteria: Any) -> list[str]:
    return [read.plate for read in search(db, user, **criteria).reads]


def circle(metres: float, latitude: float = 0.0, longitude: float = 0.0) -> dict[str, Any]:
    return {"center": {"latitude": latitude, "longitude": longitude}, "metres": metres}


@pytest.mark.parametrize("long_window", [False, True], ids=["two hours", "two days"])
def test_a_read_exactly_on_the_radius_is_inside(db: Session, placed: User, long_window: bool) -> None:
    window = dt.timedelta(days=1 if long_window else 0, hours=1)
    hits = found(db, placed, radius=circle(EDGE), since=T0 - window, until=T0 + window)
    assert sorted(hits) == ["1NORTH1", "3EAST33", "5SOUTH5"]


def test_a_radius_away_from_the_equator_narrows_the_degrees_of_longitude(db: Session, placed: User) -> None:
    # Centred 60 degrees north, a degree of longitude is half as long: 3EAST33 is far outside.
    assert found(db, placed, radius=circle(EDGE, latitude=60.0)) == []
    assert sorted(found(db, placed, radius=circle(EDGE * 0.9))) == []
    assert sorted(found(db, placed, radius=circle(EDGE * 1.01))) == [
        "1NORTH1",
        "2BEYOND",
        "3EAST33",
        "4EASTFR",
        "5SOUTH5",
    ]


TRIANGLE = [{"latitude": 0.0, "longitude": 0.0}, {"latitude": 1.0, "longitude": 0.0}]
TRIANGLE += [{"latitude": 0.0, "longitude": 1.0}]  # the slanted edge runs latitude + longitude = 1


def test_the_slanted_edge_of_a_polygon_decides_reads_inside_its_box(db: Session, placed: User) -> None:
    hits = found(db, placed, polygon=TRIANGLE)
    # On the edge itself (XB12) counts as outside: the half-open rule of ray casting, so two polygons
    # sharing an edge never both claim a read.
    assert sorted(hits) == ["1NORTH1", "2BEYOND", "3EAST33", "4EASTFR", "6DIAG66", "AB1", "AB12", "AB123"]


def test_ray_casting_on_a_slanted_edge() -> None:
    triangle = tuple(Point.model_validate(p) for p in TRIANGLE)
    assert inside_polygon(0.5, 0.49, triangle) and not inside_polygon(0.5, 0.51, triangle)
    assert inside_polygon(0.25, 0.74, triangle) and not inside_polygon(0.25, 0.76, triangle)
    assert not inside_polygon(0.5, 0.5, triangle)  # on the slanted edge
    assert not inside_polygon(-0.1, 0.5, triangle) and not inside_polygon(0.5, -0.1, triangle)
    square = tuple(Point(latitude=a, longitude=b) for a, b in ((0, 0), (0, 2), (2, 2), (2, 0)))
    assert inside_polygon(1, 1, square) and not inside_polygon(3, 1, square)


def test_since_is_inclusive_and_until_exclusive(db: Session, placed: User) -> None:
    assert found(db, placed, since=T0 + dt.timedelta(minutes=60), until=T0 + dt.timedelta(minutes=120)) == [
        "AB12"
    ]
    assert found(db, placed, since=T0 + dt.timedelta(minutes=30), until=T0 + dt.timedelta(minutes=60)) == [
        "XB12",
        "AB1",
    ]


@pytest.mark.parametrize(
    ("plate", "expected"),
    [
        ("AB12", ["AB12", "A812", "AB123", "XB12", "AB1"]),  # itself, a look-alike, edits newest first
        ("AB1", ["AB1", "AB12"]),  # a plate of three: no pattern has a three-letter run
        ("A81", ["AB1", "A812"]),
    ],
)
def test_fuzzy_search_on_short_plates(db: Session, placed: User, plate: str, expected: list[str]) -> None:
    assert found(db, placed, plate=plate, match="fuzzy") == expected


def test_partial_plates_with_and_without_a_three_letter_run(db: Session, placed: User) -> None:
    assert found(db, placed, plate="AB1*", match="partial") == ["AB123", "AB12", "AB1"]
    assert found(db, placed, plate="?B1?", match="partial") == ["AB12", "XB12"]
    assert sorted(found(db, placed, plate="*EAST*", match="partial")) == ["3EAST33", "4EASTFR"]
    assert found(db, placed, plate="1NORTH1", match="exact") == ["1NORTH1"]


def test_camera_group_camera_and_region_filters(db: Session, placed: User) -> None:
    assert found(db, placed, plate="AB12", camera_group="Harbor patrol") == ["AB12"]
    assert found(db, placed, plate="QQ77", camera_group="Harbor patrol") == []
    assert found(db, placed, plate="QQ77") == ["QQ77"]
    assert found(db, placed, region="us-nv") == ["QQ77"]
    gate = camera_service.get_by_name(session=db, name="Gate 2")
    assert gate is not None
    assert [r.camera_name for r in search(db, placed, camera_ids=[gate.id]).reads] == ["Gate 2"]


def test_colour_and_type_filters(db: Session, placed: User) -> None:
    assert found(db, placed, vehicle_color="blue", vehicle_type="truck") == ["AB12", "XB12"]
    assert found(db, placed, vehicle_type="suv") == ["A812"]
