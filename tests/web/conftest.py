"""The browser harness every web page's tests reuse: a live server on demo data and Debian's Chromium."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page
from sqlalchemy import select

from plateguard import demo
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.main import create_app
from tests.conftest import complete_training, skip_or_fail

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings
    logins: dict[str, str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings, logins = demo.build(tmp_path_factory.mktemp("live"))
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", settings, {x.username: x.password for x in logins})
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    new_page = context.new_page()
    new_page.set_default_timeout(10_000)
    yield new_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    new_page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def browser_sign_in(page: Page, server: LiveServer, username: str, password: str | None = None) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or server.logins[username])
    page.get_by_role("button", name="Sign in").click()


def add_live_user(server: LiveServer, username: str, role: Role, *, trained: bool) -> str:
    """Create a user straight in the live server's database; returns the password."""
    from plateguard.accounts import service as account_service
    from plateguard.database import make_engine, make_session_factory, transaction

    password = "browser-test-pass-4600"
    engine = make_engine(server.settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        agency = account_service.get_home_agency(session=session)
        assert agency is not None
        user = account_service.create_user(
            session=session,
            security=server.settings.security,
            agency=agency,
            username=username,
            full_name=username.title(),
            password=password,
            roles={role},
        )
        if trained:
            complete_training(session, user)
    engine.dispose()
    return password


def age_sessions(server: LiveServer, username: str, minutes: int) -> None:
    """Make a user's sessions look idle for ``minutes``."""
    import datetime as dt

    from plateguard.accounts.models import LoginSession, User
    from plateguard.database import make_engine, make_session_factory, transaction

    engine = make_engine(server.settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
        for login in session.scalars(select(LoginSession).where(LoginSession.user_id == user_id)):
            login.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    engine.dispose()


# A desk (1366x768), a patrol-car terminal (1024x768) and a phone (390x844): pages are tested at each.
SIZES = {"desk": (1366, 768), "car": (1024, 768), "phone": (390, 844)}
# Records what the page hands to the browser's notification service (granted, as after "Allow").
NOTIFICATION_RECORDER = """
window.shownNotifications = [];
window.Notification = class {
  constructor(title, options) { window.shownNotifications.push({ title: title, body: options.body }); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


@pytest.fixture(params=list(SIZES))
def sized(chromium, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    width, height = SIZES[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.add_init_script(NOTIFICATION_RECORDER)
    new_page = context.new_page()
    new_page.set_default_timeout(10_000)
    new_page.size_name = request.param
    yield new_page
    context.close()


def no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width} px wide"
