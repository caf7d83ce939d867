"""PostgreSQL unreachable (stopped, wrong host, a network cut): ``serve`` and the CLI refuse with one line
naming the database (no password, no traceback); a running server whose database becomes unreachable answers
503 with Retry-After and the error shape, never a 500, and recovers by itself when the network is back.
(A PostgreSQL restart in the middle of ingest is in tests/ingest/test_durability.py.)"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import transaction
from plateguard.main import create_app
from tests.conftest import TEST_ACTOR, prepared_data_dir
from tests.test_cli import run_cli


class NetworkLink:
    """A TCP relay in front of PostgreSQL that can be cut (every connection dropped, new ones refused)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._serve()

    def _serve(self) -> None:
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def cut(self) -> None:
        for end in [self.listener, *self.sockets]:  # shutdown wakes the thread blocked in accept()
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
        self.sockets.clear()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._serve()


@pytest.fixture()
def link(own_postgres_url: str) -> Iterator[tuple[NetworkLink, str]]:
    parts = urlsplit(own_postgres_url)
    relay = NetworkLink((parts.hostname or "127.0.0.1", parts.port or 5432))
    netloc = f"{parts.username}@127.0.0.1:{relay.port}" if parts.username else f"127.0.0.1:{relay.port}"
    yield relay, urlunsplit(parts._replace(netloc=netloc))
    relay.cut()


def a_read() -> dict[str, object]:
    captured = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    return {
        "id": str(uuid.uuid4()),
        "plate": "7ABC123",
        "confidence": 0.9,
        "captured_at": captured.isoformat(),
    }


@pytest.mark.postgres
def test_a_network_cut_to_postgresql_is_a_503_and_the_server_recovers(
    tmp_path: Path, link: tuple[NetworkLink, str]
) -> None:
    relay, url = link
    prepared = prepared_data_dir(tmp_path / "data", {"Main St": CameraKind.FIXED}, database_url=url)
    with transaction(prepared.factory) as session:
        camera = session.scalars(select(Camera)).one()
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=camera)
    prepared.engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(prepared.settings), raise_server_exceptions=False) as client:
        assert client.post("/api/v1/reads", json=a_read(), headers=headers).status_code == 200
        relay.cut()
        refused = client.post("/api/v1/reads", json=a_read(), headers=headers)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert refused.json()["error"]["code"] == "service_unavailable"
        assert client.get("/healthz").status_code == 503  # a load balancer takes it out of rotation
        relay.restore()
        assert client.post("/api/v1/reads", json=a_read(), headers=headers).status_code == 200
        assert client.get("/healthz").status_code == 200


def test_serve_and_the_cli_refuse_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])  # nothing listens on it once the socket is closed
    url = f"postgresql+psycopg://alpr:s3cret-pw@127.0.0.1:{port}/plateguard"
    env = {"PLATEGUARD_DATABASE_URL": url, "PLATEGUARD_DATA_DIR": str(tmp_path / "data")}
    for command in (["serve", "--port", "0"], ["accounts", "unlock", "officer"]):
        done = run_cli(*command, cwd=tmp_path, env=env)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "unreachable" in done.stderr and "s3cret-pw" not in done.stderr
