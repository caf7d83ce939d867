"""Shared fixtures: a migrated database per backend, a transaction per test, and apps bound to it.

Every test that takes ``db`` or ``client`` runs on SQLite and, when PLATEGUARD_TEST_POSTGRES_URL is
set, on PostgreSQL too. Under CI (CI=true) a test that needs a missing service fails instead of
skipping. With PLATEGUARD_TEST_AS_APP_ROLE=1 the PostgreSQL tests run as the application role of
``plateguard db app-role`` (bound by the row-level security of the ALPR tables), not as the owner.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import row_security
from plateguard.access_log.database_roles import grant_application_role
from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.accounts.models import Agency, User
from plateguard.accounts.roles import Role
from plateguard.cameras.models import CameraKind
from plateguard.config import AgencySettings, Settings, load_settings, write_secrets
from plateguard.database import make_engine, upgrade
from plateguard.ingest.service import CaptureWindow
from plateguard.main import create_app

POSTGRES_ENV = "PLATEGUARD_TEST_POSTGRES_URL"
APP_ROLE_ENV = "PLATEGUARD_TEST_AS_APP_ROLE"
APP_ROLE_OF: dict[Engine, str] = {}
TEST_PASSWORD = "correct-horse-battery-staple-460"
ANY_CAPTURE_TIME = CaptureWindow(days_back=100 * 365)
"""Reads of any age, for tests that store reads from fixed dates or from long ago."""
TEST_ACTOR = Actor.system("Test Police Department", "test set-up")
"""Who registers the cameras and issues the tokens a test starts from (written to the access log)."""
AGENCY_ZONE = ZoneInfo(AgencySettings().timezone)
"""The test agency's zone (the configuration's default). Its date is a day behind UTC's each afternoon,
so the machine's date is not it."""


def load_bench(relative: str) -> ModuleType:
    """A module of bench/ (not a package on the path), loaded from its file: "support/taxonomy.py"."""
    path = Path(__file__).resolve().parents[1] / "bench" / relative
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def agency_today() -> dt.date:
    """Today as the department's users see it; the date a form is checked against."""
    return dt.datetime.now(AGENCY_ZONE).date()


def complete_training(session: Session, user: User, *, on: dt.date | None = None) -> User:
    """Record every course as completed by `user` (yesterday in the agency's zone unless `on` is given), so
    the training gate (Policy 460.3) lets them in. Recorded by the user themself: set-up, not the rule."""
    from plateguard.accounts import training

    completed_on = on or agency_today() - dt.timedelta(days=1)
    for course in training.courses(session=session):
        training.record_completion(
            session=session,
            user=user,
            course=course,
            completed_on=completed_on,
            recorded_by=user,
            today=agency_today(),
            notes="",
        )
    return user


_finished_tests = 0


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Engines a test made and dropped sit in reference cycles until the cycle collector runs; collect
    every 10 tests so their pooled PostgreSQL connections close instead of piling up to the server's limit."""
    global _finished_tests
    _finished_tests += 1
    if _finished_tests % 10 == 0:
        gc.collect()


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    if under_ci():
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def private_schema() -> Iterator[str]:
    """A URL of a new, empty schema on the test PostgreSQL server; the schema is dropped afterwards."""
    url = postgres_url()
    if url is None:
        skip_or_fail(f"{POSTGRES_ENV} is not set")
    schema = f"plateguard_test_{secrets.token_hex(4)}"
    admin = make_engine(url)  # type: ignore[arg-type]
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"  # type: ignore[operator]
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """The run's private schema, shared by every database test (each in its own rolled-back transaction)."""
    with private_schema() as url:
        yield url


@pytest.fixture()
def own_postgres_url() -> Iterator[str]:
    """An empty schema of this test's own, for tests that run real commands (``plateguard init``) on it."""
    with private_schema() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture(scope="session")
def engine(backend_url: str) -> Iterator[Engine]:
    engine = make_engine(backend_url)
    upgrade(engine)
    role = None
    if engine.dialect.name == "postgresql" and os.environ.get(APP_ROLE_ENV) == "1":
        role = f"plateguard_test_app_{secrets.token_hex(4)}"
        grant_application_role(engine, role)
        APP_ROLE_OF[engine] = role
    yield engine
    engine.dispose()
    if role is not None:
        drop_role(engine, role)


def drop_role(engine: Engine, role: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"DROP OWNED BY {role}"))
        connection.execute(text(f"DROP ROLE {role}"))
    engine.dispose()


@pytest.fixture()
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test, commits included."""
    with engine.connect() as connection:
        outer = connection.begin()
        role = APP_ROLE_OF.get(engine)
        if role is not None:
            connection.exec_driver_sql(f"SET LOCAL ROLE {role}")
            row_security.forget(connection)
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()
            row_security.forget(connection)


@pytest.fixture()
def settings(tmp_path: Path, backend_url: str) -> Settings:
    write_secrets(tmp_path)
    # A live-alert stream ends after half a second, so walking every route never waits on it.
    overrides = {"data_dir": tmp_path, "database_url": backend_url, "alerts": {"stream_max_seconds": 0.5}}
    return load_settings(overrides=overrides)


@pytest.fixture()
def app_factory(settings: Settings, db: Session) -> Iterator[AppFactory]:
    """Apps whose requests run inside the test's transaction, so nothing outlives the test (their own
    engines are disposed afterwards, so no test leaves database connections open)."""
    built = []

    def build(**overrides: object):  # type: ignore[no-untyped-def]
        chosen = settings.model_copy(update=overrides) if overrides else settings
        app = create_app(chosen)
        built.append(app)
        app.state.session_factory = sessionmaker(
            bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        return app

    yield build
    for app in built:
        app.state.engine.dispose()


@pytest.fixture()
def client(app_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app_factory(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture()
def agency(db: Session) -> Agency:
    return account_service.ensure_home_agency(
        session=db, name="Test Police Department", ori="CA0000000", state="CA"
    )


class MakeUser(Protocol):
    """The ``make_user`` fixture: an active account with the roles given (Operator when none)."""

    def __call__(self, username: str, *roles: Role, full_name: str = "") -> User: ...


AppFactory = Callable[..., FastAPI]
"""The ``app_factory`` fixture: an app (settings overridden by keyword) whose requests run in the test's
transaction."""
Train = Callable[[User], User]
"""The ``train`` fixture: records current required training for the user."""
Trained = Callable[..., User]
"""The ``trained`` fixture: ``trained(username, *roles)``, an account whose training is on record."""


@pytest.fixture()
def make_user(db: Session, agency: Agency, settings: Settings) -> MakeUser:
    def create(username: str, *roles: Role, full_name: str = "") -> User:
        return account_service.create_user(
            session=db,
            security=settings.security,
            agency=agency,
            username=username,
            full_name=full_name or username.title(),
            password=TEST_PASSWORD,
            roles=set(roles) or {Role.OPERATOR},
        )

    return create


@pytest.fixture()
def train(db: Session) -> Train:
    """Record current required training for a user, so ALPR functions open to them."""
    return lambda user: complete_training(db, user)


@pytest.fixture()
def trained(make_user: MakeUser, train: Train) -> Trained:
    """Create a user whose required ALPR training is on record."""

    def create(username: str, *roles: Role) -> User:
        return train(make_user(username, *roles))

    return create


def login_form_token(client: TestClient) -> str:
    """Open the sign-in page as a browser does; returns the form's CSRF token (its cookie is now set)."""
    page = client.get("/login")
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]  # type: ignore[no-any-return]


def post_login(client: TestClient, username: str, password: str = TEST_PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    """POST the sign-in form, CSRF token included, without following the redirect."""
    data = {"username": username, "password": password, "next": "/", "csrf_token": login_form_token(client)}
    return client.post("/login", data=data | extra, follow_redirects=False)


def sign_in(client: TestClient, username: str, password: str = TEST_PASSWORD) -> str:
    """Sign in through the login form; returns the CSRF token of the new session."""
    response = post_login(client, username, password)
    assert response.status_code == 303, response.text
    page = client.get("/", headers={"Accept": "text/html"})
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Prepared:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]


def prepared_data_dir(
    data_dir: Path, cameras: dict[str, CameraKind], *, database_url: str | None = None
) -> Prepared:
    """A real data directory for tests that run whole commands or servers: secrets, a migrated database,
    the home agency and the named cameras."""
    from plateguard import bootstrap
    from plateguard.cameras import service as camera_service
    from plateguard.database import make_session_factory, transaction

    write_secrets(data_dir)
    overrides: dict[str, object] = {"data_dir": data_dir}
    if database_url:
        overrides["database_url"] = database_url
    settings = load_settings(overrides=overrides)
    engine = bootstrap.prepare(settings)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        agency = account_service.ensure_home_agency(
            session=session, name="Test PD", ori="CA0000000", state="CA"
        )
        for name, kind in cameras.items():
            camera_service.create(session=session, actor=TEST_ACTOR, agency=agency, name=name, kind=kind)
    return Prepared(settings, engine, factory)


def prepared_on_backend(
    request: pytest.FixtureRequest, data_dir: Path, cameras: dict[str, CameraKind]
) -> Prepared:
    """``prepared_data_dir`` on the backend a ``params=["sqlite", "postgresql"]`` fixture asked for: a
    database file in ``data_dir``, or a PostgreSQL schema of the test's own (for several connections)."""
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'plateguard.sqlite3'}"
    else:
        url = str(request.getfixturevalue("own_postgres_url"))
    return prepared_data_dir(data_dir, cameras, database_url=url)
