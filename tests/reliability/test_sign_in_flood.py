"""Anonymous sign-in attempts hammering the server must not starve camera ingest (SQLite, real server)."""

from __future__ import annotations

import datetime as dt
import secrets
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import transaction
from plateguard.main import create_app
from tests.conftest import TEST_ACTOR, prepared_data_dir

HAMMERS = 6
READS = 25


@dataclass(frozen=True)
class Server:
    url: str
    token: str


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    prepared = prepared_data_dir(tmp_path / "data", {"Main St": CameraKind.FIXED})
    with transaction(prepared.factory) as session:
        camera = session.query(Camera).one()
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=camera)
    # Address throttling would turn the flood into cheap refusals at once; lift it so that every
    # attempt really costs an argon2 check, the case where a held write lock would show.
    security = prepared.settings.security.model_copy(update={"address_failure_limit": 10_000})
    app = create_app(prepared.settings.model_copy(update={"security": security}))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runner.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = runner.servers[0].sockets[0].getsockname()[1]
    yield Server(f"http://127.0.0.1:{port}", token)
    runner.should_exit = True
    thread.join(10)


def ingest_latencies(server: Server, count: int) -> list[float]:
    timings = []
    with httpx.Client(base_url=server.url, timeout=60) as device:
        for _ in range(count):
            read = {"id": str(uuid.uuid4()), "plate": f"7FL{secrets.randbelow(9999):04d}", "confidence": 0.9}
            read["captured_at"] = dt.datetime.now(dt.UTC).isoformat()
            started = time.perf_counter()
            response = device.post(
                "/api/v1/reads", json={"reads": [read]}, headers={"Authorization": f"Bearer {server.token}"}
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return timings


def hammer(server: Server, stop: threading.Event, sent: list[int]) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as outsider:
        page = outsider.get("/login").text
        marker = 'name="csrf_token" value="'
        while not stop.is_set():
            token = page[page.index(marker) + len(marker) :].split('"', 1)[0]
            form = {
                "username": f"nobody{secrets.randbelow(10**6)}",
                "password": "guess-guess-guess",
                "csrf_token": token,
            }
            page = outsider.post("/login", data=form).text
            sent.append(1)


@pytest.mark.slow
def test_ingest_stays_fast_while_anonymous_sign_ins_hammer(server: Server) -> None:
    quiet = statistics.median(ingest_latencies(server, 10))
    stop, sent = threading.Event(), []  # type: ignore[var-annotated]
    threads = [threading.Thread(target=hammer, args=(server, stop, sent)) for _ in range(HAMMERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)  # the flood is under way
        busy = ingest_latencies(server, READS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    median, worst = statistics.median(busy), max(busy)
    figures = f"{quiet * 1000:.0f} ms quiet, {median * 1000:.0f} ms under {len(sent)} sign-ins"
    print(f"ingest median {figures}; max {worst * 1000:.0f} ms")
    assert len(sent) >= HAMMERS  # the flood really ran
    # Before the fix every attempt held SQLite's write lock through argon2: 7.2 s median. Now only CPU is
    # shared with the hashing threads.
    assert median < 1.5, f"ingest median {median:.2f} s while sign-ins hammer"
