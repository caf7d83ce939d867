"""The data layer: engine, sessions, portable column types and migrations.

SQLite (the embedded default) and PostgreSQL run the same models and the same Alembic migrations.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, MetaData, Table, create_engine, event, inspect, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from plateguard.access_log import row_security  # noqa: F401  (registers the grant hook on every engine)
from plateguard.access_log.guard import system_scope
from plateguard.errors import ConfigurationError

logger = logging.getLogger(__name__)
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp always stored and returned as UTC, on SQLite (no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the one text form JSON columns are stored in."""
    # One encoder for every call: json.dumps builds a new one per call when given options (ingest's hot path).
    return _CANONICAL.encode(value)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    kwargs.setdefault("json_serializer", canonical_json)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so SAVEPOINTs work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: an acknowledged read survives a power cut too (NORMAL in WAL mode can lose the last commits);
    # the cost on ingest is measured in docs/connecting-cameras.md ("How fast").
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


READ_ONLY = "plateguard_read_only"


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start: a transaction that reads and then writes (an audited
    # access, an ingest batch) waits its turn instead of failing when another writer committed meanwhile.
    # A read-only transaction (``read_only``) needs no lock: WAL readers never wait for the writer.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


AFTER_ROLLBACK = "plateguard_after_rollback"


def after_rollback(session: Session, write: Callable[[Session], None]) -> None:
    """Have ``write`` run in a transaction of its own if this session's work is rolled back (the record
    of a refused access must outlive the refusal)."""
    session.info.setdefault(AFTER_ROLLBACK, []).append(write)


def run_after_rollback(session: Session, factory: sessionmaker[Session]) -> None:
    """Called once the failed work is rolled back: each pending write commits on its own. A write that
    fails itself (the database is down) is logged; the original error is the one the caller sees."""
    for write in session.info.pop(AFTER_ROLLBACK, []):
        try:
            with transaction(factory) as side:
                write(side)
        except SQLAlchemyError:
            logger.exception("could not record a refused or failed access")


AFTER_COMMIT = "plateguard_after_commit"
UNDO_ON_ROLLBACK = "plateguard_undo_on_rollback"
_SQLITE_WRITER = threading.Lock()


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Have ``action`` run once this session's work is committed (never when it is rolled back): work
    that must see committed state, such as reloading the live hotlist matcher. A failing action is
    logged; the live matcher also reloads on its own when it sees a list changed."""
    session.info.setdefault(AFTER_COMMIT, []).append(action)


def undo_on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Have ``undo`` run when this session's work is rolled back: work outside the database done for it,
    such as image files written for reads that are not stored after all."""
    session.info.setdefault(UNDO_ON_ROLLBACK, []).append(undo)


@contextmanager
def transaction(factory: sessionmaker[Session], *, sqlite_writer: bool = False) -> Iterator[Session]:
    """One unit of work, for the web, the MQTT consumer and every command: commit once at the end, roll
    everything back on any error (then undo what was done outside the database, and write the records
    of refusals in transactions of their own). ``sqlite_writer``: on SQLite, one thread of this process
    writes at a time, the commit included, so waiting writers get the database the moment it is free
    instead of polling SQLite's busy handler (ingest)."""
    session = factory()
    try:
        with _writer_lock(session) if sqlite_writer else nullcontext():
            yield session
            session.commit()
    except BaseException:
        # Detach before the rollback expires them, so an error page can still show what was loaded.
        session.expunge_all()
        session.rollback()
        session.info.pop(AFTER_COMMIT, None)
        for undo in session.info.pop(UNDO_ON_ROLLBACK, []):
            undo()
        run_after_rollback(session, factory)
        raise
    finally:
        session.close()
    session.info.pop(UNDO_ON_ROLLBACK, None)
    for action in session.info.pop(AFTER_COMMIT, []):
        try:
            action()
        except Exception:  # the work is committed and stays so; the caller is told it succeeded
            logger.exception("a follow-up of a committed transaction failed")


def _writer_lock(session: Session) -> AbstractContextManager[object]:
    return _SQLITE_WRITER if session.get_bind().dialect.name == "sqlite" else nullcontext()


def insert_or_skip(session: Session, table: Table, *, key: str | list[str]) -> Any:
    """``INSERT ... ON CONFLICT (key) DO NOTHING``: concurrent writers of the same row never collide, the
    database keeps the first and skips the rest (SQLite and PostgreSQL)."""
    dialect, columns = session.get_bind().dialect.name, [key] if isinstance(key, str) else key
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing(index_elements=columns)
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=columns)
    raise NotImplementedError(f"plateguard does not support {dialect}")


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that only reads (a token or session check): on SQLite it takes no write lock, so it
    never waits behind an ingest batch. Writing in it is a programming error (SQLite refuses it if busy)."""
    session = factory()
    try:
        session.connection(execution_options={READ_ONLY: True})
        yield session
        session.rollback()
    finally:
        session.close()


def check_connection(engine: Engine) -> None:
    """Fail with one clear line when the database cannot be reached (no transaction, no lock taken)."""
    try:
        connection = engine.raw_connection()
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as exc:
        original = getattr(exc, "orig", None) or exc
        reason = str(original).strip().splitlines()[0]
        raise ConfigurationError(f"database {engine.url.render_as_string()} unreachable: {reason}") from exc
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    finally:
        connection.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date; the only way the schema ever changes."""
    check_connection(engine)
    try:
        # Migrations rebuild ALPR tables (copying rows), which the access guard allows only in a scope.
        with system_scope(None, "schema migration"):
            command.upgrade(alembic_config(engine), revision)
    except SQLAlchemyError as exc:
        raise ConfigurationError(f"database migration failed: {exc}") from exc


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
