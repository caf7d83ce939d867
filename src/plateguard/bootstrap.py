"""Setting up a data directory: folders, secrets, schema, the home agency and the first Administrator."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, func, select

from plateguard.accounts import service as account_service
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.config import Settings, write_secrets
from plateguard.database import make_engine, make_session_factory, transaction, upgrade
from plateguard.errors import ConfigurationError


def ensure_data_dir(path: Path) -> None:
    """Create the data directory if needed and prove it is writable, failing with one clear line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-probe"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigurationError(f"data directory {path} is not writable: {exc.strerror}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigurationError(f"data directory {path} is not writable")


def prepare(settings: Settings) -> Engine:
    """Data directory, secrets and an up-to-date schema; safe to run again."""
    ensure_data_dir(settings.data_dir)
    write_secrets(settings.data_dir)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    return engine


def initialise(
    settings: Settings, *, admin_username: str, admin_password: str, admin_name: str, admin_title: str
) -> bool:
    """Prepare the data directory and create the first ALPR Administrator; False if users existed."""
    engine = prepare(settings)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        agency = account_service.ensure_home_agency(
            session=session, name=settings.agency.name, ori=settings.agency.ori, state=settings.agency.state
        )
        if session.scalar(select(func.count()).select_from(User)):
            return False
        account_service.create_user(
            session=session,
            security=settings.security,
            agency=agency,
            username=admin_username,
            full_name=admin_name,
            job_title=admin_title,
            password=admin_password,
            roles={Role.ADMINISTRATOR},
        )
    engine.dispose()
    return True
