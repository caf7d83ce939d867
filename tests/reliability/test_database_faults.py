"""A read-only SQLite database: every writer gets a clear error (503 on the web, one line in the CLI),
nothing half-written, and the file stays intact (PRAGMA integrity_check)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from plateguard.access_log.guard import system_scope
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.config import load_settings
from plateguard.database import transaction
from plateguard.main import create_app
from plateguard.reads.models import PlateRead
from tests.conftest import TEST_ACTOR, prepared_data_dir
from tests.test_cli import init, run_cli


def a_read() -> dict[str, object]:
    captured = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    return {
        "id": str(uuid.uuid4()),
        "plate": "7ABC123",
        "confidence": 0.9,
        "captured_at": captured.isoformat(),
    }


def test_a_read_only_database_is_a_clear_error_and_stays_intact(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    prepared = prepared_data_dir(data_dir, {"Main St": CameraKind.FIXED})
    with transaction(prepared.factory) as session:
        camera = session.scalars(select(Camera)).one()
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=camera)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(prepared.settings)) as device:
        assert device.post("/api/v1/reads", json=a_read(), headers=headers).status_code == 200
    prepared.engine.dispose()

    path = data_dir / "plateguard.sqlite3"
    read_only_url = f"sqlite:///file:{path}?mode=ro&uri=true"
    settings = load_settings(overrides={"data_dir": data_dir, "database_url": read_only_url})
    with TestClient(create_app(settings), raise_server_exceptions=False) as device:
        refused = device.post("/api/v1/reads", json=a_read(), headers=headers)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert "read-only" in refused.json()["error"]["message"]
        assert device.get("/policy").status_code == 200  # reading still works
    cli = run_cli(
        "accounts",
        "unlock",
        "lt.alvarez",
        cwd=tmp_path,
        env={"PLATEGUARD_DATABASE_URL": read_only_url, "PLATEGUARD_DATA_DIR": str(data_dir)},
    )
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    assert (
        cli.stderr.strip()
        == "error: the database is read-only (check the file's permissions and the disk); nothing was changed"
    )

    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with transaction(prepared.factory) as session, system_scope(session, "test"):
        assert (
            session.scalar(select(func.count()).select_from(PlateRead)) == 1
        )  # the refused read is not half there
