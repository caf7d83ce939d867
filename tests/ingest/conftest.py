"""Cameras with device tokens, clients that present them, and the published example payloads."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.accounts.models import Agency
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.reads.models import PlateRead
from tests.conftest import TEST_ACTOR, skip_or_fail


def _formats() -> Path:
    """The published payload samples next to the checkout (``../shared/data/ingest-formats``), found
    from any working copy below the folder that holds ``shared``."""
    for folder in Path(__file__).resolve().parents[2:]:
        candidate = folder / "shared" / "data" / "ingest-formats"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ingest-formats"


FORMATS = _formats()


def example(name: str) -> bytes:
    path = FORMATS / name
    if not path.is_file():
        skip_or_fail(f"example payload {path} is absent")
    return path.read_bytes()


def without_comments(text: str) -> Any:
    """Frigate's documented examples carry // comments and trailing commas; strip them to JSON."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.loads(text)


def read_count(db: Session) -> int:
    with system_scope(db, "test"):
        return int(db.scalar(select(func.count()).select_from(PlateRead)) or 0)


def stored(db: Session) -> list[PlateRead]:
    db.expire_all()
    with system_scope(db, "test"):
        return list(db.scalars(select(PlateRead).order_by(PlateRead.captured_at)))


def a_read(plate: str = "7ABC123", **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "plate": plate,
        "confidence": 0.93,
        "captured_at": (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)).isoformat(),
    }
    values.update(fields)
    return values


@pytest.fixture()
def camera(db: Session, agency: Agency) -> Camera:
    return camera_service.create(
        session=db,
        actor=TEST_ACTOR,
        agency=agency,
        name="Main St & Yosemite Ave (NB)",
        kind=CameraKind.FIXED,
        latitude=37.7975,
        longitude=-121.2160,
    )


@pytest.fixture()
def device_token(db: Session, camera: Camera) -> str:
    _, token = camera_service.issue_token(session=db, actor=TEST_ACTOR, camera=camera)
    return token


@pytest.fixture()
def device(client: TestClient, device_token: str) -> TestClient:
    client.headers["Authorization"] = f"Bearer {device_token}"
    return client


@pytest.fixture()
def live_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real server on a free port with its own SQLite data directory: (url, token, session factory)."""
    import socket
    import threading

    import uvicorn

    from plateguard.database import transaction
    from plateguard.main import create_app
    from tests.conftest import prepared_data_dir

    prepared = prepared_data_dir(tmp_path / "server", {"Patrol unit 4A12": CameraKind.MOBILE})
    settings, factory = prepared.settings, prepared.factory
    with transaction(factory) as session:
        unit = camera_service.require_by_name(session=session, name="Patrol unit 4A12")
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=unit)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{port}", token, factory
    server.should_exit = True
    thread.join(10)
    prepared.engine.dispose()
