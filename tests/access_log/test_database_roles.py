"""Finding 2 on PostgreSQL: the application's own role cannot rewrite the access log or bypass its trigger."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from plateguard.access_log.database_roles import grant_application_role
from plateguard.access_log.verify import verify_chain
from plateguard.database import make_engine, upgrade
from plateguard.errors import ConfigurationError
from tests.access_log.test_chain import fill


@pytest.mark.postgres
def test_the_application_role_cannot_change_access_records(own_postgres_url: str) -> None:
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
        fill(app, 3)  # the application appends as usual
        for statement, refusal in (
            ("UPDATE access_record SET username = 'x'", "permission denied"),
            ("DELETE FROM access_record", "append-only"),  # granted for the purge; the trigger refuses
            (
                "INSERT INTO access_log_anchor (sequence, record_hash, cutoff, written_at, signature) "
                "VALUES (3, 'x', now(), 'x', 'x'); DELETE FROM access_log_anchor",
                "permission denied",
            ),
            ("TRUNCATE access_record", "permission denied"),
            ("SET session_replication_role = replica", "permission denied"),
            ("ALTER TABLE access_record DISABLE TRIGGER ALL", "must be owner"),
        ):
            with pytest.raises(DBAPIError, match=refusal), app.begin() as connection:
                connection.execute(text(statement))
        assert verify_chain(owner).intact and verify_chain(owner).records == 3
    finally:
        app.dispose()
        with owner.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


def test_roles_are_refused_on_sqlite(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="PostgreSQL only"):
        grant_application_role(make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}"), "plateguard_app")
