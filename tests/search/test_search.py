"""Every search kind, alone and combined, on SQLite and PostgreSQL, and the access record each writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from plateguard.access_log.guard import AccessNotRecorded, system_scope
from plateguard.access_log.service import Actor
from plateguard.accounts.models import User
from plateguard.config import DEFAULT_PURPOSES
from plateguard.errors import InvalidInput
from plateguard.reads.models import PlateRead
from plateguard.reads.search import service as search_service
from plateguard.reads.search.schemas import Justified, SearchPage, SearchQuery
from tests.search.conftest import AIRPORT_WAY, MAIN_ST, NOW, Scene, last_record

WHY = Justified(purpose="Criminal investigation", case_number="24-001234")


def run(db: Session, user: User, why: Justified = WHY, **criteria: Any) -> SearchPage:
    return search_service.search(
        session=db,
        actor=Actor.of(user),
        query=SearchQuery.model_validate(criteria),
        why=why,
        purposes=DEFAULT_PURPOSES,
    )


def plates(page: SearchPage) -> list[str]:
    return [read.plate for read in page.reads]


def test_full_plate_finds_every_read_of_that_plate(db: Session, investigator: User, scene: Scene) -> None:
    page = run(db, investigator, plate="7abc-123")
    assert plates(page) == ["7ABC123", "7ABC123"]
    assert page.total == 2


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("7AB?12?", {"7ABC123"}),
        ("*X9*", {"5KX9000"}),
        ("7*123", {"7ABC123", "7A8C123", "7XBC123"}),
        ("?XYZ*", {"8XYZ999"}),
        ("7ABC12", set()),  # without wildcards a partial search is still exact on the whole plate
    ],
)
def test_partial_plate_with_wildcards(
    db: Session, investigator: User, scene: Scene, pattern: str, expected: set[str]
) -> None:
    assert set(plates(run(db, investigator, plate=pattern, match="partial"))) == expected | (
        {"7ABC12"} if pattern == "7ABC12" else set()
    )


def test_fuzzy_search_ranks_exact_then_lookalikes_then_one_edit(
    db: Session, investigator: User, scene: Scene
) -> None:
    page = run(db, investigator, plate="7ABC123", match="fuzzy")
    ranked = [(read.plate, read.rank) for read in page.reads]
    assert ranked[:2] == [("7ABC123", 0), ("7ABC123", 0)]
    assert ranked[2] == ("7A8C123", 1)
    assert sorted(ranked[3:]) == [("7ABC12", 2), ("7XBC123", 2)]
    assert "8XYZ999" not in plates(page)


def test_state_time_camera_and_vehicle_filters(db: Session, investigator: User, scene: Scene) -> None:
    assert plates(run(db, investigator, region="NV")) == ["8XYZ999"]
    recent = run(db, investigator, since=NOW - dt.timedelta(hours=2, minutes=30), until=NOW)
    assert set(plates(recent)) == {"7ABC123", "7A8C123", "5KX9000"}
    airport = run(db, investigator, camera_ids=[scene.airport_way.id])
    assert sorted(plates(airport)) == ["7ABC123", "7XBC123", "8XYZ999"]
    assert plates(run(db, investigator, region="CA", vehicle_color="Black")) == ["5KX9000"]
    assert plates(run(db, investigator, region="NV", vehicle_type="truck")) == ["8XYZ999"]


def test_radius_canvass_finds_reads_near_the_point_only(
    db: Session, investigator: User, scene: Scene
) -> None:
    near_main = {"center": {"latitude": MAIN_ST[0] + 0.002, "longitude": MAIN_ST[1]}, "metres": 500}
    page = run(db, investigator, radius=near_main)
    assert set(plates(page)) == {"7ABC123", "7A8C123", "7ABC12", "5KX9000"}
    too_small = {"center": {"latitude": MAIN_ST[0] + 0.002, "longitude": MAIN_ST[1]}, "metres": 100}
    assert run(db, investigator, radius=too_small).total == 0


def test_polygon_canvass(db: Session, investigator: User, scene: Scene) -> None:
    lat, lon = AIRPORT_WAY
    square = [
        {"latitude": lat - 0.01, "longitude": lon - 0.01},
        {"latitude": lat - 0.01, "longitude": lon + 0.01},
        {"latitude": lat + 0.01, "longitude": lon + 0.01},
        {"latitude": lat + 0.01, "longitude": lon - 0.01},
    ]
    assert sorted(plates(run(db, investigator, polygon=square))) == ["7ABC123", "7XBC123", "8XYZ999"]
    # A triangle whose bounding box holds the camera but whose area does not.
    triangle = [square[0], square[1], {"latitude": lat - 0.0099, "longitude": lon + 0.01}]
    assert run(db, investigator, polygon=triangle).total == 0


def test_partial_plate_canvass_over_hours_combines_criteria(
    db: Session, investigator: User, scene: Scene
) -> None:
    page = run(
        db,
        investigator,
        plate="7*",
        match="partial",
        since=NOW - dt.timedelta(hours=6),
        radius={"center": {"latitude": MAIN_ST[0], "longitude": MAIN_ST[1]}, "metres": 1000},
        vehicle_color="white",
    )
    assert plates(page) == ["7ABC123", "7A8C123"]


def test_paging_returns_the_total_and_one_page(db: Session, investigator: User, scene: Scene) -> None:
    first = run(db, investigator, region="CA", page_size=2)
    second = run(db, investigator, region="CA", page_size=2, page=2)
    assert first.total == second.total == 6
    assert len(first.reads) == len(second.reads) == 2
    assert not {r.id for r in first.reads} & {r.id for r in second.reads}


@pytest.mark.parametrize(
    ("criteria", "field"),
    [
        ({}, None),
        ({"plate": "7AB?", "match": "exact"}, None),
        ({"region": "California"}, "region"),
        ({"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, None),
    ],
)
def test_bad_queries_are_refused(criteria: dict[str, Any], field: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        SearchQuery.model_validate(criteria)
    # A field's own mistake names that field; a mistake in how criteria combine names none.
    assert refused.value.errors()[0]["loc"] == ((field,) if field else ())


def test_search_without_an_allowed_purpose_or_a_case_number_is_refused(
    db: Session, investigator: User, scene: Scene
) -> None:
    with pytest.raises(InvalidInput) as refused:
        run(db, investigator, Justified(purpose="Traffic study", case_number="24-1"), plate="7ABC123")
    assert refused.value.field == "purpose"
    with pytest.raises(InvalidInput) as refused:
        run(db, investigator, Justified(purpose="Criminal investigation"), plate="7ABC123")
    assert refused.value.field == "case_number"
    with pytest.raises(InvalidInput) as refused:  # alert verification covers an alert's own read only
        run(db, investigator, Justified(purpose="Alert verification"), plate="7ABC123")
    assert refused.value.field == "case_number"


def test_each_search_is_recorded_with_the_exact_query_and_count(
    db: Session, investigator: User, scene: Scene
) -> None:
    run(db, investigator, plate="7AB?12?", match="partial", region="ca")
    record = last_record(db)
    assert record.action == "reads.search"
    assert record.username == "priya"
    assert record.query["plate"] == "7AB?12?"
    assert record.query["match"] == "partial"
    assert record.query["region"] == "us-ca"
    assert record.result_count == 2
    assert record.purpose == "Criminal investigation"
    assert record.case_number == "24-001234"


def test_reads_cannot_be_queried_outside_an_audited_access(db: Session, scene: Scene) -> None:
    with pytest.raises(AccessNotRecorded):
        db.scalars(select(PlateRead)).all()


def test_timeline_and_seen_near_are_audited(db: Session, investigator: User, scene: Scene) -> None:
    actor = Actor.of(investigator)
    reads = search_service.timeline(
        session=db, actor=actor, plate="7abc123", why=WHY, purposes=DEFAULT_PURPOSES
    )
    assert [r.camera_name for r in reads] == ["Airport Way", "Main St"]
    record = last_record(db)
    assert (record.action, record.query, record.result_count) == ("reads.timeline", {"plate": "7ABC123"}, 2)

    from plateguard.reads.search.schemas import SeenNearRequest

    request = SeenNearRequest(
        purpose=WHY.purpose, case_number=WHY.case_number, read_ids=(scene.reads["7ABC123"][0],), minutes=90
    )
    companions = search_service.seen_near(session=db, actor=actor, request=request, purposes=DEFAULT_PURPOSES)
    assert {c["plate"] for c in companions} == {"7A8C123", "5KX9000"}
    record = last_record(db)
    assert record.action == "reads.seen_near"
    assert record.result_count == 2
    assert record.query["read_ids"] == [scene.reads["7ABC123"][0]]


def test_partial_index_follows_updates_and_deletes(db: Session, investigator: User, scene: Scene) -> None:
    read_id = scene.reads["5KX9000"][0]
    with system_scope(db, "test"):
        db.execute(
            update(PlateRead)
            .where(PlateRead.plate_normalized == "5KX9000")
            .values(plate_normalized="5KQ9001")
        )
        db.execute(delete(PlateRead).where(PlateRead.plate_normalized == "8XYZ999"))
    assert plates(run(db, investigator, plate="*KQ9*", match="partial")) == ["5KQ9001"]
    assert run(db, investigator, plate="*KX90*", match="partial").total == 0
    assert run(db, investigator, plate="?XYZ*", match="partial").total == 0
    assert [str(r.id) for r in run(db, investigator, plate="5KQ9001").reads] == [read_id]  # the same read


def test_vehicle_type_and_color_match_whatever_case_the_sender_wrote(
    db: Session, investigator: User, scene: Scene
) -> None:
    with system_scope(db, "test"):
        read = db.scalars(select(PlateRead).where(PlateRead.plate_normalized == "8XYZ999")).first()
        assert read is not None
        read.vehicle = {"type": "Sedan", "color": "Silver"}  # as Plate Recognizer sends it
        db.flush()
    for wanted in ("sedan", "Sedan", "SEDAN"):
        assert plates(run(db, investigator, region="NV", vehicle_type=wanted, vehicle_color="silver")) == [
            "8XYZ999"
        ]
