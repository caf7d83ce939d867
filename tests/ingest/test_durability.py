"""Kill the server with SIGKILL in the middle of 10,000 reads: exactly 10,000 stored, none twice."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera
from plateguard.database import make_engine, make_session_factory
from plateguard.ingest.forward import Forwarder, ForwardQueue
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead

pytestmark = pytest.mark.slow
TOTAL = 10_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plateguard(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "plateguard", *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_server(env: dict[str, str], data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    log = (data_dir / "server.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "plateguard", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("server did not start")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server' / 'plateguard.sqlite3'}"
    return str(request.getfixturevalue("postgres_schema_url"))


def test_sigkill_mid_stream_loses_nothing_and_stores_nothing_twice(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "server"
    env = {**os.environ, "PLATEGUARD_DATABASE_URL": database_url}
    (tmp_path / "password").write_text("correct-horse-battery-staple-460")
    plateguard(env, "init", "--data-dir", str(data_dir), "--admin-password-file", str(tmp_path / "password"))
    unit = f"Patrol unit {secrets.token_hex(3)}"
    plateguard(env, "cameras", "add", unit, "--kind", "mobile", "--data-dir", str(data_dir))
    token = plateguard(env, "cameras", "token", unit, "--data-dir", str(data_dir)).strip()

    queue = ForwardQueue(tmp_path / "unit" / "queue.sqlite3")
    now = dt.datetime.now(dt.UTC)
    reads = [
        ReadSubmission(
            id=uuid.uuid4(), plate=f"7K{n:05d}", confidence=0.9, captured_at=now - dt.timedelta(seconds=n)
        )
        for n in range(TOTAL)
    ]
    assert queue.put(reads) == TOTAL

    port = free_port()
    server = start_server(env, data_dir, port)
    forwarder = Forwarder(queue, url=f"http://127.0.0.1:{port}", token=token, batch=200)
    stop = threading.Event()
    client = threading.Thread(
        target=forwarder.run, args=(stop,), kwargs={"until_empty": True, "max_delay": 0.5}
    )
    client.start()
    try:
        while forwarder.uploaded < TOTAL // 3:
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)
        server.wait()
        assert len(queue) > 0, "the stream ended before the kill"
        time.sleep(1)
        server = start_server(env, data_dir, port)
        client.join(180)
        assert not client.is_alive()
    finally:
        stop.set()
        server.kill()
        server.wait()

    assert len(queue) == 0 and queue.rejected_count() == 0
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session, system_scope(session, "test"):
        camera_id = session.scalar(select(Camera.id).where(Camera.name == unit))
        ids = session.scalars(select(PlateRead.id).where(PlateRead.camera_id == camera_id)).all()
        distinct = session.scalar(
            select(func.count(func.distinct(PlateRead.plate_normalized))).where(
                PlateRead.camera_id == camera_id
            )
        )
    engine.dispose()
    assert len(ids) == TOTAL and distinct == TOTAL
    assert set(ids) == {read.id for read in reads}
