"""A full disk under the SQLite database: every writer gets a clear error (503 with Retry-After on the
web, one line in the CLI), nothing half-written, the file stays intact (PRAGMA integrity_check), and once
space is freed the same server stores reads again, none lost that it acknowledged."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plateguard.access_log.guard import system_scope
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import transaction
from plateguard.main import create_app
from plateguard.reads.models import PlateRead
from tests.conftest import TEST_ACTOR, prepared_data_dir, skip_or_fail
from tests.test_cli import init, run_cli

DISK_BYTES = 24 * 1024 * 1024


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB file system of its own (tmpfs), so filling it touches nothing else."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        skip_or_fail(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros until the file system refuses: the disk is full."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def a_read(plate: str) -> dict[str, object]:
    captured = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    return {"id": str(uuid.uuid4()), "plate": plate, "confidence": 0.9, "captured_at": captured.isoformat()}


def stored_plates(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "plateguard.sqlite3") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    prepared = prepared_data_dir(data_dir, {})
    with transaction(prepared.factory) as session, system_scope(session, "test"):
        plates = sorted(session.scalars(select(PlateRead.plate_text)))
    prepared.engine.dispose()
    return plates


def test_a_full_disk_is_a_clear_error_nothing_half_written_and_ingest_resumes(
    tmp_path: Path, small_disk: Path
) -> None:
    data_dir = small_disk / "data"
    assert init(tmp_path, data_dir).returncode == 0
    prepared = prepared_data_dir(data_dir, {"Main St": CameraKind.FIXED})
    with transaction(prepared.factory) as session:
        camera = session.scalars(select(Camera)).one()
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=camera)
    headers = {"Authorization": f"Bearer {token}"}
    batch = {"reads": [a_read(f"7FUL{n:03d}") for n in range(200)]}

    with TestClient(create_app(prepared.settings), raise_server_exceptions=False) as device:
        assert device.post("/api/v1/reads", json=a_read("7ABC123"), headers=headers).status_code == 200
        filler = fill(small_disk)
        refused = device.post("/api/v1/reads", json=batch, headers=headers)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert "disk is full" in refused.json()["error"]["message"]
        assert "Traceback" not in refused.text
        cli = run_cli(
            "accounts", "unlock", "lt.alvarez", cwd=tmp_path, env={"PLATEGUARD_DATA_DIR": str(data_dir)}
        )
        assert cli.returncode == 1 and "Traceback" not in cli.stderr
        assert "disk is full" in cli.stderr and len(cli.stderr.strip().splitlines()) == 1

        filler.unlink()  # the operator frees space; the same server goes on
        again = device.post("/api/v1/reads", json=batch, headers=headers)
        assert again.status_code == 200 and again.json()["stored"] == 200
    prepared.engine.dispose()
    plates = stored_plates(data_dir)
    assert plates == sorted(["7ABC123", *(f"7FUL{n:03d}" for n in range(200))])  # the refused batch is whole
