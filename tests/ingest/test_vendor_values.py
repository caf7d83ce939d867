"""What real senders put in their payloads, garbled or not: each value refused by name or kept as sent.

The payloads are written here in the shape of the published examples (OpenALPR agent groups and
results, Plate Recognizer webhooks, Frigate MQTT), with the one value each test is about changed.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.demo_scenes import render_plate
from plateguard.errors import InvalidInput
from plateguard.ingest.vendors import from_frigate, from_openalpr, from_platerecognizer
from tests.ingest.conftest import read_count, stored

OPENALPR = "/api/v1/adapters/openalpr"
PLATERECOGNIZER = "/api/v1/adapters/platerecognizer"
PICTURE = base64.b64encode(render_plate("6TRJ244")).decode()


def epoch_ms(seconds_ago: float = 30) -> int:
    return int((time.time() - seconds_ago) * 1000)


def openalpr_group(**changes: Any) -> dict[str, Any]:
    start = epoch_ms()
    group: dict[str, Any] = {
        "data_type": "alpr_group",
        "version": 2,
        "epoch_start": start,
        "epoch_end": start + 900,
        "agent_uid": "A1B2C3D4E5F6A1B2C3D4E5F6A1B2C3D4E5F6A1B2",
        "camera_id": 4711,
        "best_plate_number": "6TRJ244",
        "best_confidence": 91.25,
        "best_region": "ca",
        "best_region_confidence": 80.5,
        "best_uuid": f"A1B2C3D4E5F6A1B2C3D4E5F6A1B2C3D4E5F6A1B2-4711-{start + 400}",
        "gps_latitude": 37.79,
        "gps_longitude": -121.21,
        "travel_direction": 92.0,
        "candidates": [{"plate": "6TRJ244", "confidence": 91.25}, {"plate": "6TRJ24", "confidence": 70.0}],
        "best_plate": {
            "plate": "6TRJ244",
            "confidence": 91.25,
            "coordinates": [{"x": 10, "y": 20}, {"x": 110, "y": 20}, {"x": 110, "y": 60}, {"x": 10, "y": 60}],
        },
        "vehicle": {"color": [{"name": "silver", "confidence": 80.0}], "body_type": [{"name": "suv"}]},
    }
    group.update(changes)
    return group


def openalpr_results(**changes: Any) -> dict[str, Any]:
    results: dict[str, Any] = {
        "data_type": "alpr_results",
        "version": 2,
        "epoch_time": epoch_ms(),
        "camera_id": 12,
        "uuid": f"AGENT-12-{epoch_ms()}",
        "gps_latitude": 34.05,
        "gps_longitude": -118.24,
        "travel_direction": 180.0,
        "results": [
            {
                "plate": "5KXM812",
                "confidence": 88.1,
                "region": "us-ca",
                "region_confidence": 77,
                "plate_index": 0,
                "candidates": [{"plate": "5KXM812", "confidence": 88.1}],
                "vehicle": {"color": [{"name": "blue"}], "make": [{"name": "toyota"}]},
            }
        ],
    }
    results.update(changes)
    return results


def platerecognizer(result_changes: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "box": {"xmin": 693, "ymin": 681, "xmax": 988, "ymax": 759},
        "plate": "mw818wm",
        "region": {"code": "fr", "score": 0.816},
        "score": 0.98,
        "candidates": [{"score": 0.98, "plate": "mw818wm"}],
        "dscore": 0.883,
        "vehicle": {"score": 0.414, "type": "Sedan", "box": {"xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}},
        "model_make": [{"make": "Renault", "model": "Clio", "score": 0.76}],
        "color": [{"color": "black", "score": 0.43}],
    }
    result.update(result_changes or {})
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=20)).isoformat()
    return {
        "hook": {"target": "http://x", "id": "cam-1", "event": "recognition"},
        "data": {"camera_id": "cam-1", "timestamp": when, "results": [result]},
    }


def refused(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["field"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"best_uuid": {"not": "a uuid"}}, "best_uuid"),
        ({"best_uuid": "not-a-uuid", "epoch_start": "yesterday"}, "epoch_start"),
        ({"best_uuid": None, "epoch_start": {"ms": 1}}, "epoch_start"),
        ({"best_confidence": "91.2"}, "best_confidence"),
        ({"best_confidence": None, "best_plate": {"plate": "6TRJ244"}}, "best_confidence"),
        ({"gps_latitude": 123.0}, "gps_latitude"),
        ({"best_plate_number": "6TRJ244" * 4}, "best_plate_number"),
        ({"overview_jpeg": "this is not base64 %%%"}, "overview_jpeg"),
        ({"vehicle_crop_jpeg": base64.b64encode(b"GIF89a not a jpeg").decode()}, "vehicle_crop_jpeg"),
    ],
)
def test_a_garbled_openalpr_group_value_is_a_422_naming_the_senders_field(
    device: TestClient, db: Session, changes: dict[str, Any], field: str
) -> None:
    response = device.post(OPENALPR, json=openalpr_group(**changes))
    assert refused(response) == (422, field)
    assert read_count(db) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"box": "693,681,988,759"}, "data.results.0.box"),
        ({"box": {"xmin": None, "ymin": 1, "xmax": 2, "ymax": 3}}, "data.results.0.box.0"),
        ({"model_make": ["Renault Clio"]}, "data.results.0.model_make.0"),
        ({"score": "high"}, "data.results.0.score"),
        ({"region": "fr"}, "data.results.0.region"),
    ],
)
def test_a_garbled_plate_recognizer_value_is_a_422_naming_the_senders_field(
    device: TestClient, db: Session, changes: dict[str, Any], field: str
) -> None:
    response = device.post(PLATERECOGNIZER, json=platerecognizer(changes))
    assert refused(response) == (422, field)
    assert read_count(db) == 0


def test_a_broken_upload_names_the_upload_field(device: TestClient, db: Session) -> None:
    import json

    response = device.post(
        PLATERECOGNIZER,
        data={"json": json.dumps(platerecognizer())},
        files={"upload": ("car.jpg", b"\xff\xd8\xff not really a jpeg", "image/jpeg")},
    )
    assert refused(response) == (422, "upload")
    assert read_count(db) == 0


def test_bare_and_country_region_codes_are_stored_in_one_form(device: TestClient, db: Session) -> None:
    device.post(OPENALPR, json=openalpr_group(best_region="mo"))
    device.post(OPENALPR, json=openalpr_group(best_region="GA", epoch_start=epoch_ms(60)))
    device.post(PLATERECOGNIZER, json=platerecognizer())
    assert sorted(str(read.region) for read in stored(db)) == ["fr", "us-ga", "us-mo"]


def test_an_unknown_region_is_kept_as_sent_and_flagged(device: TestClient, db: Session) -> None:
    response = device.post(OPENALPR, json=openalpr_group(best_region="zz-9x"))
    assert response.status_code == 200, response.text
    [read] = stored(db)
    assert (read.region, read.region_unmapped) == (None, "zz-9x")


def test_the_vehicle_crop_is_kept_when_there_is_no_overview(device: TestClient, db: Session) -> None:
    response = device.post(OPENALPR, json=openalpr_group(vehicle_crop_jpeg=PICTURE))
    assert response.status_code == 200, response.text
    [read] = stored(db)
    assert read.overview_image_sha256 is not None


def test_candidates_without_a_plate_or_too_long_are_left_out_not_made_up(
    device: TestClient, db: Session
) -> None:
    candidates = [
        {"plate": None, "confidence": 60.0},
        {"plate": "X" * 30, "confidence": 50.0},
        {"plate": "6TRJ24", "confidence": 70.0},
    ]
    device.post(OPENALPR, json=openalpr_group(candidates=candidates))
    [read] = stored(db)
    assert [candidate["plate"] for candidate in read.candidates] == ["6TRJ24"]


def test_alpr_results_keep_their_vehicle_and_gps(device: TestClient, db: Session) -> None:
    response = device.post(OPENALPR, json=openalpr_results())
    assert response.status_code == 200, response.text
    [read] = stored(db)
    assert (read.latitude, read.longitude, read.heading) == (34.05, -118.24, 180.0)  # not the camera's
    assert read.vehicle == {"color": "blue", "make": "toyota"}
    assert read.region == "us-ca"


def test_a_frigate_plate_box_with_a_null_is_refused_by_name_not_a_crash() -> None:
    message = {
        "type": "lpr",
        "name": None,
        "plate": "ABC123",
        "score": 0.93,
        "id": "1746290000.123456-abcdef",
        "camera": "driveway_cam",
        "timestamp": time.time(),
        "plate_box": [917, 487, None, 529],
    }
    with pytest.raises(InvalidInput) as refusal:
        from_frigate(message)
    assert refusal.value.field == "plate_box.2"


def test_the_same_frigate_event_on_two_cameras_is_two_reads() -> None:
    message = {"type": "lpr", "plate": "ABC123", "score": 0.9, "id": "1.2-x", "timestamp": time.time()}
    _, [north] = from_frigate({**message, "camera": "gate_north"})
    _, [south] = from_frigate({**message, "camera": "gate_south"})
    assert north.id != south.id


@pytest.mark.parametrize("adapter", [from_openalpr, from_platerecognizer])
def test_adapters_refuse_a_non_object_by_name(adapter: Any) -> None:
    with pytest.raises(InvalidInput):
        adapter([1, 2, 3])
