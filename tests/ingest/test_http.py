"""The HTTP door: plateguard's own JSON, batches, idempotency, all-or-nothing, clear 4xx errors."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from plateguard.config import IngestSettings
from plateguard.database import make_engine
from plateguard.demo_scenes import render_plate
from tests.conftest import AppFactory, MakeUser, sign_in
from tests.ingest.conftest import a_read, read_count, stored


def test_a_single_read_is_stored_and_acknowledged(device: TestClient, db: Session) -> None:
    read = a_read("7ABC123")
    response = device.post("/api/v1/reads", json=read)
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "updated": 0, "ignored": 0, "ids": [read["id"]]}
    [row] = stored(db)
    assert (row.plate_normalized, row.latitude) == ("7ABC123", 37.7975)  # the camera's position


def test_a_resent_batch_is_acknowledged_and_never_stored_twice(device: TestClient, db: Session) -> None:
    batch = {"reads": [a_read(f"7ABC12{n}") for n in range(5)]}
    first = device.post("/api/v1/reads", json=batch).json()
    again = device.post("/api/v1/reads", json=batch).json()
    assert (first["stored"], first["duplicates"]) == (5, 0)
    assert (again["stored"], again["duplicates"]) == (0, 5)
    assert again["ids"] == first["ids"]
    assert read_count(db) == 5


def test_the_same_id_twice_in_one_batch_is_stored_once(device: TestClient, db: Session) -> None:
    read = a_read()
    response = device.post("/api/v1/reads", json={"reads": [read, read]})
    assert response.json()["stored"] == 1
    assert read_count(db) == 1


def test_a_batch_of_a_thousand_is_accepted_and_more_is_refused(device: TestClient, db: Session) -> None:
    reads = [a_read(f"8K{n:05d}") for n in range(1001)]
    too_many = device.post("/api/v1/reads", json={"reads": reads})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["field"] == "reads"
    assert device.post("/api/v1/reads", json={"reads": reads[:1000]}).json()["stored"] == 1000
    assert read_count(db) == 1000


def test_a_rejected_batch_writes_nothing(device: TestClient, db: Session) -> None:
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    batch = {"reads": [a_read("7ABC123"), a_read("7ABC124", captured_at=future)]}
    response = device.post("/api/v1/reads", json=batch)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reads.1.captured_at"
    assert "future" in response.json()["error"]["message"]
    assert read_count(db) == 0


def _png(width: int, height: int) -> bytes:
    return bytes(cv2.imencode(".png", np.zeros((height, width), dtype=np.uint8))[1].tobytes())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b'{"plate": "7ABC123", ', 422, "body"),
        (b"[1, 2]", 422, "body"),
        (b"\xff\xfe\x00", 422, "body"),
        ({"latitude": 91.0, "longitude": 0.0}, 422, "latitude"),
        ({"longitude": -181.0, "latitude": 0.0}, 422, "longitude"),
        ({"confidence": 1.5}, 422, "confidence"),
        ({"plate": "-- --"}, 422, "plate"),
        ({"camera": "Nowhere St"}, 422, "camera"),
        ({"plate_image": "not base64!"}, 422, "plate_image"),
        ({"plate_image": _b64(b"GIF89a this is not a plate picture")}, 422, "plate_image"),
        ({"plate_image": _b64(render_plate("7ABC123")[:300])}, 422, "plate_image"),
        ({"plate_image_sha256": "a" * 64}, 422, "plate_image_sha256"),
    ],
)
def test_bad_input_gets_a_clear_4xx_naming_the_field(
    device: TestClient, db: Session, body: object, status: int, field: str
) -> None:
    if isinstance(body, bytes):
        response = device.post("/api/v1/reads", content=body, headers={"Content-Type": "application/json"})
    else:
        response = device.post("/api/v1/reads", json=a_read(**body))  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert field.split(".")[-1] in error["message"]
    assert read_count(db) == 0


def test_a_decompression_bomb_is_refused(device: TestClient, db: Session) -> None:
    bomb = _png(10_000, 10_000)  # 100 megapixels in a few hundred kilobytes
    assert len(bomb) < 1_000_000
    response = device.post("/api/v1/reads", json=a_read(plate_image=_b64(bomb)))
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "plate_image"
    assert read_count(db) == 0


def test_images_travel_attached_or_referenced(device: TestClient, db: Session) -> None:
    picture = render_plate("7ABC123")
    attached = device.post("/api/v1/reads", json=a_read(overview_image=_b64(picture)))
    assert attached.status_code == 200, attached.text
    uploaded = device.post("/api/v1/images", content=picture, headers={"Content-Type": "image/png"})
    assert uploaded.status_code == 200
    sha = uploaded.json()["sha256"]
    referenced = device.post("/api/v1/reads", json=a_read(plate_image_sha256=sha))
    assert referenced.status_code == 200, referenced.text
    rows = stored(db)
    assert {row.overview_image_sha256 for row in rows} == {sha, None}
    assert {row.plate_image_sha256 for row in rows} == {sha, None}


def test_oversized_bodies_get_413(app_factory: AppFactory, device_token: str, db: Session) -> None:
    app = app_factory(ingest=IngestSettings(max_body_bytes=2048))
    with TestClient(app, raise_server_exceptions=False) as small:
        small.headers["Authorization"] = f"Bearer {device_token}"
        reads = {"reads": [a_read() for _ in range(30)]}
        response = small.post("/api/v1/reads", json=reads)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert small.post("/api/v1/reads", json=a_read()).status_code == 200
    assert read_count(db) == 1


@pytest.mark.parametrize("header", [None, "Bearer pgd_wrong", "Basic YWRtaW46YWRtaW4=", "Bearer "])
def test_bad_tokens_are_refused(client: TestClient, db: Session, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/reads", json=a_read(), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert read_count(db) == 0


def test_the_api_is_published_in_openapi(client: TestClient, make_user: MakeUser) -> None:
    assert client.get("/openapi.json").status_code == 401  # not to outsiders
    make_user("ofc.docs")
    sign_in(client, "ofc.docs")
    document = client.get("/openapi.json").json()
    body = document["paths"]["/api/v1/reads"]["post"]["requestBody"]["content"]["application/json"]
    assert {"$ref": "#/components/schemas/ReadBatch"} in body["schema"]["oneOf"]
    read = document["components"]["schemas"]["ReadSubmission"]
    assert {"id", "plate", "captured_at", "plate_image", "plate_image_sha256"} <= set(read["properties"])


def test_database_outage_gives_503_with_retry_after_then_recovers(  # type: ignore[no-untyped-def]
    app_factory: AppFactory, device_token: str, db: Session, tmp_path
) -> None:
    app = app_factory()
    working = app.state.session_factory
    gone = make_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}")
    with TestClient(app, raise_server_exceptions=False) as device:
        device.headers["Authorization"] = f"Bearer {device_token}"
        app.state.session_factory = sessionmaker(bind=gone)
        down = device.post("/api/v1/reads", json=a_read())
        assert down.status_code == 503
        assert down.headers["Retry-After"]
        assert down.json()["error"]["code"] == "service_unavailable"
        app.state.session_factory = working
        assert device.post("/api/v1/reads", json=a_read()).status_code == 200
    assert read_count(db) == 1


def test_read_ids_are_client_uuids(device: TestClient) -> None:
    response = device.post("/api/v1/reads", json=a_read(id="not-a-uuid"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "id"
    assert uuid.UUID(device.post("/api/v1/reads", json=a_read()).json()["ids"][0])
