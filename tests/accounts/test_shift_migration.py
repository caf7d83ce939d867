"""Migration 0015_user_shifts on an existing database: accounts keep their rows and start with no shift."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from plateguard.access_log.guard import system_scope
from plateguard.database import alembic_config, make_engine, upgrade

INSERTS = (
    "INSERT INTO agency (id, name, state, is_public_agency, is_home, created_at)"
    " VALUES (1, 'Manteca PD', 'CA', true, true, :at)",
    "INSERT INTO user_account (agency_id, username, full_name, job_title, password_hash, status,"
    " failed_logins, lockouts, created_at) VALUES (1, 'ofc.chen', 'Ofc. James Chen', '', 'x', 'active',"
    " 0, 0, :at)",
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_existing_accounts_have_no_shift_after_the_upgrade_and_keep_their_rows_after_the_downgrade(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'old.sqlite3'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("own_postgres_url"))
    )
    engine = make_engine(url)
    upgrade(engine, "0014_audits")
    with engine.begin() as connection:
        for statement in INSERTS:
            connection.execute(text(statement), {"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT shift_start, shift_end, shift_weekdays FROM user_account WHERE username = 'ofc.chen'"
            )
        ).one()
    assert tuple(row) == (None, None, "")
    with system_scope(None, "schema migration"):
        command.downgrade(alembic_config(engine), "0014_audits")
    columns = {c["name"] for c in inspect(engine).get_columns("user_account")}
    assert not columns & {"shift_start", "shift_end", "shift_weekdays"}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM user_account")).scalar() == 1
    engine.dispose()
