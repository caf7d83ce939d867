"""Updates of a vehicle pass: the more confident, later reading of one pass wins, and history shows both."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.alerts.models import Alert
from plateguard.cameras.models import Camera
from plateguard.hotlists.models import HotlistSource
from plateguard.ingest import passes
from plateguard.ingest import service as ingest_service
from plateguard.ingest.vendors import from_frigate
from tests.hotlists.conftest import make_list, stolen
from tests.ingest.conftest import a_read, stored


def frigate_messages(event: str, camera: str) -> list[dict[str, Any]]:
    """What Frigate publishes for one car: an events update with its first plate, then an lpr update."""
    now = time.time()
    update = {
        "type": "update",
        "before": {},
        "after": {
            "id": event,
            "camera": camera,
            "label": "car",
            "frame_time": now - 3,
            "recognized_license_plate": ["ABC1234", 0.71],
        },
    }
    lpr = {
        "type": "lpr",
        "id": event,
        "camera": camera,
        "plate": "ABC123",
        "score": 0.93,
        "timestamp": now - 1,
    }
    return [update, lpr]


def store_frigate(db: Session, camera: Camera, message: dict[str, Any], tmp_path: Path):  # type: ignore[no-untyped-def]
    from plateguard.config import load_settings
    from plateguard.ingest.hooks import read_stored_callback

    _, reads = from_frigate(message)
    on_stored = read_stored_callback(load_settings(overrides={"data_dir": tmp_path}))
    return ingest_service.store_batch(
        session=db, camera=camera, reads=reads, images_dir=tmp_path, on_stored=on_stored
    )


def test_a_later_more_confident_frigate_reading_replaces_the_first(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    first, better = frigate_messages("1746290000.5-abcdef", camera.name)
    assert store_frigate(db, camera, first, tmp_path).stored_ids
    result = store_frigate(db, camera, better, tmp_path)
    assert len(result.updated_ids) == 1 and not result.stored_ids
    [read] = stored(db)
    assert (read.plate_text, read.confidence) == ("ABC123", 0.93)
    assert {"plate": "ABC1234", "confidence": 0.71} in read.candidates  # the earlier reading is kept
    with system_scope(db, "test"):
        [change] = passes.revisions(session=db, read_id=read.id)
    assert (change.plate_before, change.plate_after) == ("ABC1234", "ABC123")


def test_a_later_less_confident_reading_changes_nothing(db: Session, camera: Camera, tmp_path: Path) -> None:
    first, better = frigate_messages("1746290001.5-bbbbbb", camera.name)
    store_frigate(db, camera, better, tmp_path)
    result = store_frigate(db, camera, first, tmp_path)  # the 0.71 reading arrives late
    assert result.duplicate_ids and not result.updated_ids
    assert [read.plate_text for read in stored(db)] == ["ABC123"]


def test_hotlist_matching_runs_again_on_the_new_text_and_the_old_alert_stays(
    device: TestClient, db: Session
) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("ABC1234"), stolen("ABC123"))
    read = a_read("ABC1234", confidence=0.71)
    device.post("/api/v1/reads", json=read)
    response = device.post("/api/v1/reads", json={**read, "plate": "ABC123", "confidence": 0.93})
    assert response.json()["updated"] == 1
    with system_scope(db, "test"):
        alerts = list(db.scalars(select(Alert).where(Alert.read_id == uuid.UUID(read["id"]))))
        [change] = passes.revisions(session=db, read_id=alerts[0].read_id)
    assert sorted(alert.entry["plate"] for alert in alerts) == ["ABC123", "ABC1234"]
    assert change.had_alert  # the read was in an alert when it changed: the history shows both


def test_a_re_send_after_the_pass_is_over_rewrites_nothing(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    """A broken or compromised camera re-sending an old id with another plate at a higher confidence must
    not rewrite a read that searches, holds and evidence already rely on."""
    import datetime as dt

    first, better = frigate_messages("1746290002.5-cccccc", camera.name)
    store_frigate(db, camera, first, tmp_path)
    [read] = stored(db)
    with system_scope(db, "test"):
        read.received_at = read.received_at - dt.timedelta(hours=2)
        db.flush()
    result = store_frigate(db, camera, better, tmp_path)
    assert result.duplicate_ids and not result.updated_ids
    [read] = stored(db)
    assert (read.plate_text, read.confidence) == ("ABC1234", 0.71)
    with system_scope(db, "test"):
        assert passes.revisions(session=db, read_id=read.id) == []
