"""The application's own PostgreSQL role, for the tests that act as it (or as an insider with its login)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, event

from plateguard.access_log.database_roles import grant_application_role
from plateguard.database import make_engine, upgrade
from tests.conftest import drop_role


@dataclass
class Roles:
    owner: Engine
    app: Engine
    role: str

    def insider(self) -> Any:
        """A raw database connection as the application role: what psql with its login gives."""
        connection = self.app.raw_connection()
        connection.autocommit = False  # type: ignore[attr-defined]
        return connection


@pytest.fixture()
def roles(own_postgres_url: str) -> Iterator[Roles]:
    owner = make_engine(own_postgres_url)
    upgrade(owner)
    role = f"plateguard_app_{secrets.token_hex(4)}"
    grant_application_role(owner, role)
    app = make_engine(own_postgres_url)

    @event.listens_for(app, "connect")
    def _as_application(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role}")
        dbapi_connection.commit()

    try:
        yield Roles(owner, app, role)
    finally:
        app.dispose()
        drop_role(owner, role)
