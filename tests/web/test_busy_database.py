"""While SQLite's write lock is held (a long import, a retention run, another process), requests that wait
for it wait in the thread pool: the server keeps answering everything else, and they finish afterwards."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from plateguard.accounts.roles import Role
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraStatus
from plateguard.database import make_engine, make_session_factory, transaction
from tests.conftest import TEST_ACTOR
from tests.web.conftest import LiveServer, add_live_user

LOCK_SECONDS = 3.0


def _device_token(server: LiveServer) -> str:
    engine = make_engine(server.settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        camera = session.scalars(select(Camera).where(Camera.status == CameraStatus.ACTIVE)).first()
        assert camera is not None
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=camera)
    engine.dispose()
    return token


def _signed_in(server: LiveServer, username: str, password: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server.url, timeout=60)
    form = client.get("/login").text
    marker = 'name="csrf_token" value="'
    token = form[form.index(marker) + len(marker) :].split('"', 1)[0]
    data = {"username": username, "password": password, "next": "/", "csrf_token": token}
    response = client.post("/login", data=data)
    assert response.status_code in (200, 303), response.text
    page = client.get("/", headers={"Accept": "text/html"})
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return client, page.text[start : page.text.index('"', start)]


def _in_background(results: dict[str, Any], name: str, call: Any) -> threading.Thread:
    def run() -> None:
        results[name] = call()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_requests_waiting_for_the_write_lock_do_not_stall_the_server(live_server: LiveServer) -> None:
    token = _device_token(live_server)
    password = add_live_user(live_server, "busy-db-officer", Role.OPERATOR, trained=True)
    officer, csrf = _signed_in(live_server, "busy-db-officer", password)
    read = {"id": str(uuid.uuid4()), "plate": "8BUSY42", "confidence": 0.9}
    read["captured_at"] = dt.datetime.now(dt.UTC).isoformat()
    database = str(live_server.settings.resolved_database_url).removeprefix("sqlite:///")

    holder = sqlite3.connect(database, timeout=30, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    results: dict[str, Any] = {}
    try:
        waiting = [
            _in_background(
                results,
                "read",
                lambda: httpx.post(
                    f"{live_server.url}/api/v1/reads",
                    json={"reads": [read]},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                ),
            ),
            # refused: the officer's denial is written to the access log, which needs the lock too
            _in_background(
                results,
                "denied",
                lambda: officer.post("/admin/job-titles", data={"csrf_token": csrf, "title": "Chief"}),
            ),
        ]
        time.sleep(0.5)  # both requests are now waiting for the lock
        started = time.monotonic()
        static = httpx.get(f"{live_server.url}/static/plateguard.css", timeout=LOCK_SECONDS)
        health = httpx.get(f"{live_server.url}/healthz", timeout=LOCK_SECONDS)
        answered_in = time.monotonic() - started
        assert not results, "a request finished while the write lock was held"
    finally:
        time.sleep(max(0.0, LOCK_SECONDS - 0.5))
        holder.rollback()
        holder.close()
    for thread in waiting:
        thread.join(30)
    officer.close()

    assert static.status_code == 200 and health.status_code == 200
    assert answered_in < 1.5, f"the server stalled for {answered_in:.1f} s behind a database wait"
    assert results["read"].status_code == 200 and results["read"].json()["stored"] == 1
    assert results["denied"].status_code == 403
