"""A real plateguard server on loopback, on a copy of the demo data, with a signed-in web session that holds
every role and a device token: what the API fuzzing and the SQL-injection scan run against."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import uvicorn
from sqlalchemy import select

from plateguard import demo
from plateguard.accounts import service as account_service
from plateguard.accounts.roles import Role
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera
from plateguard.database import make_engine, make_session_factory, transaction
from plateguard.main import create_app
from tests.conftest import TEST_ACTOR, TEST_PASSWORD, complete_training

FUZZ_USER = "fuzz.every-role"


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    web: requests.Session  # signed in, CSRF header set
    device_token: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(data_dir: Path) -> str:
    """Demo data, a trained user with every role, and a device token for one demo camera."""
    settings, _ = demo.build(data_dir)
    engine = make_engine(settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        agency = account_service.get_home_agency(session=session)
        assert agency is not None
        user = account_service.create_user(
            session=session,
            security=settings.security,
            agency=agency,
            username=FUZZ_USER,
            full_name="Fuzz Every Role",
            password=TEST_PASSWORD,
            roles=set(Role),
        )
        complete_training(session, user)
        camera = session.scalars(select(Camera).order_by(Camera.id).limit(1)).one()
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=camera)
    engine.dispose()
    return token


def _csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _signed_in(base_url: str) -> requests.Session:
    web = requests.Session()
    token = _csrf(web.get(f"{base_url}/login", timeout=30).text)
    form = {"username": FUZZ_USER, "password": TEST_PASSWORD, "next": "/", "csrf_token": token}
    assert web.post(f"{base_url}/login", data=form, timeout=30).status_code == 200
    web.headers["X-CSRF-Token"] = _csrf(web.get(f"{base_url}/", timeout=30).text)
    return web


@contextmanager
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    from plateguard.config import load_settings

    token = _prepare(data_dir)
    port = _free_port()
    app = create_app(load_settings(overrides={"data_dir": data_dir}))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    base_url = f"http://127.0.0.1:{port}"
    try:
        yield LiveServer(base_url, _signed_in(base_url), token)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
