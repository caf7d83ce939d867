"""Finding 2 on PostgreSQL: the application's own role cannot rewrite the access log or bypass its trigger."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from plateguard.access_log.database_roles import grant_application_role
from plateguard.access_log.verify import verify_chain
from plateguard.database import make_engine
from plateguard.errors import ConfigurationError
from tests.access_log.conftest import Roles
from tests.access_log.test_chain import fill


@pytest.mark.postgres
def test_the_application_role_cannot_change_access_records(roles: Roles) -> None:
    owner, app = roles.owner, roles.app
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


def test_roles_are_refused_on_sqlite(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="PostgreSQL only"):
        grant_application_role(make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}"), "plateguard_app")
