"""Kill the server with SIGKILL, or restart PostgreSQL, in the middle of 10,000 reads: exactly 10,000
stored, none twice; during the database outage the server answers 503 with Retry-After."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera
from plateguard.database import make_engine, make_session_factory
from plateguard.ingest.forward import Forwarder, ForwardQueue
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead
from tests.conftest import skip_or_fail

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
    return str(request.getfixturevalue("own_postgres_url"))


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def set_up_unit(env: dict[str, str], tmp_path: Path, data_dir: Path) -> tuple[str, str]:
    """Initialise the server's data directory and register a patrol unit; returns its token and name."""
    (tmp_path / "password").write_text("correct-horse-battery-staple-460")
    plateguard(env, "init", "--data-dir", str(data_dir), "--admin-password-file", str(tmp_path / "password"))
    unit = f"Patrol unit {secrets.token_hex(3)}"
    plateguard(env, "cameras", "add", unit, "--kind", "mobile", "--data-dir", str(data_dir))
    return plateguard(env, "cameras", "token", unit, "--data-dir", str(data_dir)).strip(), unit


def queued_reads(tmp_path: Path) -> tuple[ForwardQueue, list[ReadSubmission]]:
    queue = ForwardQueue(tmp_path / "unit" / "queue.sqlite3")
    now = dt.datetime.now(dt.UTC)
    reads = [
        ReadSubmission(
            id=uuid.uuid4(), plate=f"7K{n:05d}", confidence=0.9, captured_at=now - dt.timedelta(seconds=n)
        )
        for n in range(TOTAL)
    ]
    assert queue.put(reads) == TOTAL
    return queue, reads


def start_forwarding(
    queue: ForwardQueue, port: int, token: str
) -> tuple[Forwarder, threading.Event, threading.Thread]:
    """The patrol unit's uploader, retrying every half second at most, until its queue is empty."""
    forwarder = Forwarder(queue, url=f"http://127.0.0.1:{port}", token=token, batch=200)
    stop = threading.Event()
    kwargs = {"until_empty": True, "max_delay": 0.5}
    client = threading.Thread(target=forwarder.run, args=(stop,), kwargs=kwargs)
    client.start()
    return forwarder, stop, client


def probe(port: int, token: str) -> Answer:
    """One read posted straight to the server, bypassing the queue."""
    body = json.dumps({"id": str(uuid.uuid4()), "plate": "1PROBE1", "confidence": 0.5}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/reads",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, lower_keys(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, lower_keys(exc.headers), exc.read())


def lower_keys(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def stored_ids(database_url: str, unit: str) -> set[uuid.UUID]:
    """The ids of the unit's stored reads, checking that none is stored twice."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session, system_scope(session, "test"):
        camera_id = session.scalar(select(Camera.id).where(Camera.name == unit))
        ids = session.scalars(
            select(PlateRead.id).where(
                PlateRead.camera_id == camera_id, PlateRead.plate_normalized != "1PROBE1"
            )
        ).all()
        distinct = session.scalar(
            select(func.count(func.distinct(PlateRead.plate_normalized))).where(
                PlateRead.camera_id == camera_id, PlateRead.plate_normalized != "1PROBE1"
            )
        )
    engine.dispose()
    assert len(ids) == distinct == len(set(ids)), "a read was stored twice"
    return set(ids)


@dataclass
class Stream:
    """A patrol unit streaming 10,000 queued reads to a server process, a third of the way through."""

    server: subprocess.Popen[bytes]
    forwarder: Forwarder
    stop: threading.Event
    client: threading.Thread
    queue: ForwardQueue
    reads: list[ReadSubmission]
    unit: str
    token: str
    port: int
    data_dir: Path


@contextmanager
def streaming(env: dict[str, str], tmp_path: Path) -> Iterator[Stream]:
    data_dir = tmp_path / "server"
    token, unit = set_up_unit(env, tmp_path, data_dir)
    queue, reads = queued_reads(tmp_path)
    port = free_port()
    server = start_server(env, data_dir, port)
    forwarder, stop, client = start_forwarding(queue, port, token)
    stream = Stream(server, forwarder, stop, client, queue, reads, unit, token, port, data_dir)
    try:
        while forwarder.uploaded < TOTAL // 3:
            time.sleep(0.005)
        yield stream
    finally:
        stream.stop.set()
        stream.server.kill()
        stream.server.wait()


def test_sigkill_mid_stream_loses_nothing_and_stores_nothing_twice(tmp_path: Path, database_url: str) -> None:
    env = {**os.environ, "PLATEGUARD_DATABASE_URL": database_url}
    with streaming(env, tmp_path) as stream:
        stream.server.send_signal(signal.SIGKILL)
        stream.server.wait()
        assert len(stream.queue) > 0, "the stream ended before the kill"
        time.sleep(1)
        stream.server = start_server(env, stream.data_dir, stream.port)
        stream.client.join(180)
        assert not stream.client.is_alive()

    assert len(stream.queue) == 0 and stream.queue.rejected_count() == 0
    assert stored_ids(database_url, stream.unit) == {read.id for read in stream.reads}


SKIP_SYSTEMD = ("--skip-systemctl-redirect",)  # as .ci/run starts it: pg_ctl itself, not systemd


def restart_postgresql(down: threading.Event, up_again: threading.Event) -> None:
    """Stop the local cluster, hold it down until ``up_again`` is set, then start it."""
    cluster = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False)
    fields = cluster.stdout.split()
    assert cluster.returncode == 0 and len(fields) >= 2, "no local PostgreSQL cluster to restart"
    subprocess.run(["pg_ctlcluster", *SKIP_SYSTEMD, fields[0], fields[1], "stop", "-m", "fast"], check=True)
    down.set()
    up_again.wait(30)
    subprocess.run(["pg_ctlcluster", *SKIP_SYSTEMD, fields[0], fields[1], "start"], check=True)


def test_a_postgresql_restart_mid_stream_answers_503_then_recovers_with_every_read_once(
    tmp_path: Path, own_postgres_url: str
) -> None:
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        skip_or_fail("restarting PostgreSQL needs pg_ctlcluster and root")
    env = {**os.environ, "PLATEGUARD_DATABASE_URL": own_postgres_url}
    with streaming(env, tmp_path) as stream:
        down, up_again = threading.Event(), threading.Event()
        outage = threading.Thread(target=restart_postgresql, args=(down, up_again))
        outage.start()
        assert down.wait(60), "PostgreSQL did not stop"
        during = probe(stream.port, stream.token)
        time.sleep(1)
        up_again.set()
        outage.join(60)
        stream.client.join(180)
        assert not stream.client.is_alive()

    assert during.status == 503 and during.headers.get("retry-after"), during
    assert json.loads(during.body)["error"]["code"] == "service_unavailable"
    assert len(stream.queue) == 0 and stream.queue.rejected_count() == 0
    assert stored_ids(own_postgres_url, stream.unit) == {read.id for read in stream.reads}
