"""A read id names one read in the whole store: re-sends, other cameras, one batch, failed batches."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.accounts.models import Agency
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import CameraKind
from plateguard.config import Settings
from plateguard.demo_scenes import render_plate
from plateguard.reads import partitions
from tests.conftest import TEST_ACTOR, AppFactory
from tests.ingest.conftest import a_read, read_count, stored


def ago(**delta: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(**delta)).isoformat()


def test_a_resend_with_another_capture_time_is_a_duplicate(device: TestClient, db: Session) -> None:
    read = a_read("7ABC123", captured_at=ago(days=1))
    assert device.post("/api/v1/reads", json=read).json()["stored"] == 1
    for other_time in (ago(days=1, microseconds=1), ago(days=45)):  # precision changed; a clock fix
        again = device.post("/api/v1/reads", json={**read, "captured_at": other_time}).json()
        assert (again["stored"], again["duplicates"]) == (0, 1)
    assert read_count(db) == 1


def test_an_id_stored_by_another_camera_is_refused_not_acknowledged(
    device: TestClient, db: Session, agency: Agency
) -> None:
    other = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Patrol 7", kind=CameraKind.MOBILE
    )
    _, token = camera_service.issue_token(session=db, actor=TEST_ACTOR, camera=other)
    read = a_read("7ABC123")
    device.post("/api/v1/reads", json=read)
    response = device.post(
        "/api/v1/reads",
        json={"reads": [a_read("5DEF456"), {**read, "plate": "8XYZ999"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "reads.1.id"
    assert [row.plate_text for row in stored(db)] == ["7ABC123"]


def test_one_id_twice_with_different_content_in_one_batch_is_refused(device: TestClient, db: Session) -> None:
    read = a_read("7ABC123")
    response = device.post("/api/v1/reads", json={"reads": [read, {**read, "plate": "7ABC128"}]})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reads.1.id"
    assert read_count(db) == 0


def image_files(settings: Settings) -> list[Path]:
    return (
        [path for path in settings.images_dir.rglob("*") if path.is_file()]
        if settings.images_dir.exists()
        else []
    )


def test_a_failed_batch_leaves_no_image_file_behind(
    device: TestClient, db: Session, settings: Settings
) -> None:
    picture = base64.b64encode(render_plate("7ABC123")).decode()
    batch = {
        "reads": [
            a_read("7ABC123", plate_image=picture),
            a_read("7ABC124", overview_image_sha256="0" * 64),  # refused after the first image was written
        ]
    }
    response = device.post("/api/v1/reads", json=batch)
    assert response.status_code == 422
    assert image_files(settings) == []
    assert device.post("/api/v1/reads", json={"reads": batch["reads"][:1]}).status_code == 200
    assert len(image_files(settings)) == 1


def test_capture_times_outside_the_window_are_refused_and_make_no_partition(
    device: TestClient, db: Session
) -> None:
    before = {p.name for p in partitions.partitions(db)}
    for when in ("1850-03-01T00:00:00+00:00", ago(days=800), "0001-01-01T00:00:00+00:00"):
        response = device.post("/api/v1/reads", json=a_read(captured_at=when))
        assert response.status_code == 422, when
        assert response.json()["error"]["field"] == "captured_at"
    assert {p.name for p in partitions.partitions(db)} == before
    assert device.post("/api/v1/reads", json=a_read(captured_at=ago(days=700))).status_code == 200


def test_the_window_is_configurable(
    app_factory: AppFactory, device_token: str, settings: Settings, db: Session
) -> None:
    narrow = settings.ingest.model_copy(update={"capture_days_back": 7})
    with TestClient(app_factory(ingest=narrow), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {device_token}"
        assert client.post("/api/v1/reads", json=a_read(captured_at=ago(days=8))).status_code == 422
        assert client.post("/api/v1/reads", json=a_read(captured_at=ago(days=6))).status_code == 200


def test_read_ids_are_kept_once_in_the_id_table(device: TestClient, db: Session) -> None:
    from sqlalchemy import func, select

    from plateguard.reads.models import PlateRead, PlateReadId

    batch = {"reads": [a_read(f"7ABC12{n}") for n in range(3)]}
    device.post("/api/v1/reads", json=batch)
    device.post("/api/v1/reads", json={"reads": [{**r, "captured_at": ago(days=9)} for r in batch["reads"]]})
    ids = {uuid.UUID(read["id"]) for read in batch["reads"]}
    table = PlateReadId if db.get_bind().dialect.name == "postgresql" else PlateRead
    with system_scope(db, "test"):
        assert db.scalar(select(func.count()).select_from(table).where(table.id.in_(ids))) == 3
    assert read_count(db) == 3
