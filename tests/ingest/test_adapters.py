"""Existing recognisers' own formats, taken from the published examples exactly as they are."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.config import Settings
from plateguard.demo_scenes import render_plate
from plateguard.ingest.vendors import from_frigate
from tests.ingest.conftest import example, read_count, stored, without_comments

OPENALPR = "/api/v1/adapters/openalpr"
PLATERECOGNIZER = "/api/v1/adapters/platerecognizer"


@pytest.fixture()
def settings(settings: Settings) -> Settings:
    """The published examples were captured in 2015-2024: a window wide enough to take them."""
    return settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"capture_days_back": 36500})}
    )


def post_file(device: TestClient, route: str, name: str):  # type: ignore[no-untyped-def]
    return device.post(route, content=example(name), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("route", "name", "plates"),
    [
        (OPENALPR, "openalpr-alpr_group.v2.json", ["D2651BF"]),
        (OPENALPR, "openalpr-alpr_group.v1.json", ["A13709"]),
        (OPENALPR, "openalpr-alpr_results.v2.json", ["D2651BF", "CG3L5Y"]),
        (OPENALPR, "openalpr-alprd-results.v1-opensource.json", ["EJLESSIE", "S11FRE"]),
        (OPENALPR, "openalpr-heartbeat.v2.json", []),
        (PLATERECOGNIZER, "platerecognizer-webhook.docs.json", ["765410", "830265"]),
        (PLATERECOGNIZER, "platerecognizer-stream-webhook.derived-from-vendor-tester.json", ["PL8REC"]),
        (PLATERECOGNIZER, "platerecognizer-snapshot-response.real.json", ["MW818WM"]),
        (PLATERECOGNIZER, "platerecognizer-snapshot-response.real-noplate.json", []),
        (PLATERECOGNIZER, "platerecognizer-snapshot-response.vehicle-mode.docs.json", ["NHK552"]),
    ],
)
def test_published_examples_are_accepted_as_they_are_and_only_once(
    device: TestClient, db: Session, route: str, name: str, plates: list[str]
) -> None:
    first = post_file(device, route, name)
    assert first.status_code == 200, first.text
    assert first.json()["stored"] == len(plates)
    again = post_file(device, route, name).json()
    assert (again["stored"], again["duplicates"]) == (0, len(plates))
    assert sorted(row.plate_normalized for row in stored(db)) == sorted(plates)


def test_an_openalpr_group_keeps_what_an_investigator_needs(device: TestClient, db: Session) -> None:
    post_file(device, OPENALPR, "openalpr-alpr_group.v2.json")
    [read] = stored(db)
    assert read.confidence == pytest.approx(0.9388, abs=1e-3)
    assert (read.latitude, read.longitude) == (pytest.approx(37.636), pytest.approx(-79.206))  # type: ignore[comparison-overlap]
    assert read.region == "us-mo" and read.heading == pytest.approx(85.55, abs=0.01)
    assert read.captured_at.year == 2019 and read.box == [3266, 187, 219, 119]
    assert read.vehicle == {"color": "black", "make": "ford", "model": "focus", "type": "sedan-standard"}
    assert [c["plate"] for c in read.candidates][:2] == ["D2651BF", "D2651F"]


def test_a_plate_recognizer_stream_read_keeps_region_heading_and_vehicle(
    device: TestClient, db: Session
) -> None:
    post_file(device, PLATERECOGNIZER, "platerecognizer-stream-webhook.derived-from-vendor-tester.json")
    [read] = stored(db)
    assert (read.region, read.heading, read.box) == ("us-ca", 210.0, [337, 270, 75, 35])
    assert read.vehicle == {"color": "red", "make": "Porsche", "model": "911", "type": "Sedan"}


def test_plate_recognizer_form_with_upload_keeps_the_picture(device: TestClient, db: Session) -> None:
    payload = example("platerecognizer-webhook.docs.json").decode()
    response = device.post(
        PLATERECOGNIZER,
        data={"json": payload},
        files={"upload": ("car.png", render_plate("765410"), "image/png")},
        headers={"Authorization": device.headers["Authorization"].replace("Bearer", "Token")},
    )
    assert response.status_code == 200, response.text
    assert all(row.overview_image_sha256 for row in stored(db))


def test_the_invalid_2018_openalpr_doc_example_is_refused_naming_the_place(
    device: TestClient, db: Session
) -> None:
    response = post_file(device, OPENALPR, "openalpr-alpr_group.v2-2018.txt")
    assert response.status_code == 422
    assert "malformed JSON at line" in response.json()["error"]["message"]
    assert read_count(db) == 0


def test_a_group_without_a_plate_names_the_missing_field(device: TestClient, db: Session) -> None:
    group = json.loads(example("openalpr-alpr_group.v1.json"))
    del group["best_plate_number"], group["best_plate"]
    response = device.post(OPENALPR, json=group)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "best_plate_number"


@pytest.mark.parametrize(
    ("name", "camera", "plate"),
    [
        ("frigate-events-lpr.v0.16.0.docs.txt", "front_door", "ABC12345"),
        ("frigate-events-lpr.v0.17.2.docs.txt", "front_door", "ABC12345"),
        ("frigate-tracked-object-update-lpr.v0.16.0.docs.txt", "driveway_cam", "123ABC"),
        ("frigate-tracked-object-update-lpr.v0.17.2.docs.txt", "driveway_cam", "123ABC"),
        ("frigate-tracked-object-update-lpr.v0.18.0-beta1.docs.txt", "driveway_cam", "123ABC"),
    ],
)
def test_frigate_documented_messages(name: str, camera: str, plate: str) -> None:
    found_camera, reads = from_frigate(without_comments(example(name).decode()))
    assert found_camera == camera
    assert [read.plate for read in reads] == [plate]


def test_frigate_wire_format_plate_is_a_list_and_one_pass_is_one_read() -> None:
    message = without_comments(example("frigate-events-lpr.v0.17.2.docs.txt").decode())
    message["after"]["recognized_license_plate"] = ["7ABC123", 0.91]
    del message["after"]["recognized_license_plate_score"]
    _, [read] = from_frigate(message)
    assert (read.plate, read.confidence) == ("7ABC123", 0.91)
    lpr = without_comments(example("frigate-tracked-object-update-lpr.v0.18.0-beta1.docs.txt").decode())
    lpr["camera"] = message["after"]["camera"]
    _, [same_pass] = from_frigate(lpr)
    assert same_pass.id == read.id  # same camera and Frigate event id: one read
    assert same_pass.box == (917, 487, 112, 42)
