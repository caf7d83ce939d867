"""Setting up a data directory: folders, secrets, schema, the home agency and the first Administrator."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts import administration, training
from plateguard.accounts import service as account_service
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.config import Settings, write_secrets
from plateguard.database import make_engine, make_session_factory, transaction, upgrade
from plateguard.errors import ConfigurationError, InvalidInput


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


@dataclass(frozen=True)
class TrainingStatement:
    """The first Administrator's own word that they completed the required training, given at init."""

    completed_on: dt.date
    statement: str


def initialise(
    settings: Settings,
    *,
    engine: Engine,
    actor: Actor,
    admin_username: str,
    admin_password: str,
    admin_name: str,
    admin_title: str,
    training_statement: TrainingStatement | None = None,
) -> bool:
    """Create the first ALPR Administrator in a prepared database (``prepare``); False if users existed.
    ``actor`` is the person who ran the setup, named in the access record of the new account."""
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        agency = account_service.ensure_home_agency(
            session=session, name=settings.agency.name, ori=settings.agency.ori, state=settings.agency.state
        )
        if session.scalar(select(func.count()).select_from(User)):
            return False
        admin = administration.create_account(
            session=session,
            actor=actor,
            security=settings.security,
            agency=agency,
            username=admin_username,
            full_name=admin_name,
            job_title=admin_title,
            password=admin_password,
            roles={Role.ADMINISTRATOR},
        )
        if training_statement is not None:
            _record_own_statement(session, admin, training_statement, today=settings.agency.today())
    engine.dispose()
    return True


def _record_own_statement(session: Session, admin: User, given: TrainingStatement, *, today: dt.date) -> None:
    """Nobody else exists yet to record it: the record is marked as the Administrator's own statement."""
    statement = given.statement.strip()
    if len(statement) < 20:
        raise InvalidInput("the training statement must say what was completed (20 characters or more)")
    for course in training.courses(session=session):
        if course.required:
            record = training.record_completion(
                session=session,
                user=admin,
                course=course,
                completed_on=given.completed_on,
                recorded_by=admin,
                today=today,
                notes=statement,
                attested_at_init=True,
            )
            training.log_recorded(session=session, record=record, user=admin, recorded_by=admin)
