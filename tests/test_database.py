from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plateguard.accounts.models import Agency
from plateguard.database import (
    after_commit,
    after_rollback,
    alembic_config,
    make_engine,
    make_session_factory,
    transaction,
    undo_on_rollback,
    upgrade,
)
from plateguard.errors import InvalidInput
from plateguard.models import metadata

TYPE_FAMILIES = {
    "DOUBLE_PRECISION": "FLOAT",
    "REAL": "FLOAT",
    "TIMESTAMP": "DATETIME",
    "VARCHAR": "STRING",
    "JSONB": "JSON",
    "UUID": "UUID",
    "BIGINT": "INTEGER",
    "BYTEA": "BLOB",  # LargeBinary
    "SMALLINT": "INTEGER",
}


def type_family(column_type: object) -> str:
    """The portable meaning of a reflected type: SQLite keeps a UUID as CHAR(32), PostgreSQL as UUID."""
    name = type(column_type).__name__.upper()
    length = getattr(column_type, "length", None)
    if name == "CHAR" and length == 32:
        return "UUID"
    family = TYPE_FAMILIES.get(name, name)
    return f"{family}({length})" if family == "STRING" and length else family


# Dialect-specific search indexes of migration 0005, ignored on purpose: SQLite's FTS5 trigram table
# (and its shadow tables) and PostgreSQL's pg_trgm GIN index serve the same partial-plate search; and the
# monthly partitions of plate_read on PostgreSQL (migration 0008); the secret of its row-level security
# grant (0017).
DIALECT_SPECIFIC = ("plate_read_fts", "ix_plate_read_plate_trgm", "plate_read_m", "alpr_grant_key")
# A partitioned table cannot be the target of a foreign key on its id alone (migration 0008).
SQLITE_ONLY_FOREIGN_KEYS = {("alert", ("read_id",), "plate_read")}


def describe_schema(engine: Engine) -> dict[str, object]:
    """Tables, columns (name, generic type, nullability), indexes, uniques and foreign keys."""
    inspector = inspect(engine)
    schema: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        if table.startswith(DIALECT_SPECIFIC):
            continue
        columns = [(c["name"], type_family(c["type"]), c["nullable"]) for c in inspector.get_columns(table)]
        schema[table] = {
            "columns": sorted(columns),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if not i.get("duplicates_constraint") and not i["name"].startswith(DIALECT_SPECIFIC)  # type: ignore[union-attr]
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
                if (table, tuple(f["constrained_columns"]), f["referred_table"])
                not in SQLITE_ONLY_FOREIGN_KEYS
            ),
        }
    return schema


@pytest.mark.postgres
def test_migrations_give_the_same_schema_on_sqlite_and_postgresql(
    sqlite_url: str, postgres_schema_url: str
) -> None:
    sqlite_engine, postgres_engine = make_engine(sqlite_url), make_engine(postgres_schema_url)
    upgrade(sqlite_engine)
    upgrade(postgres_engine)
    sqlite_schema, postgres_schema = describe_schema(sqlite_engine), describe_schema(postgres_engine)
    assert set(sqlite_schema) == set(postgres_schema)
    for table in sqlite_schema:
        assert sqlite_schema[table] == postgres_schema[table], table


def test_migrations_create_every_model_table(engine: Engine) -> None:
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_the_migrations_build_exactly_what_the_models_describe(engine: Engine) -> None:
    # A column added to or dropped from a model without its migration: the code and the database of a
    # site that upgrades would disagree. Alembic's own comparison, as `alembic check` runs it.
    command.check(alembic_config(engine))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_timestamps_come_back_in_utc(db: Session) -> None:
    pacific = dt.timezone(dt.timedelta(hours=-8))
    agency = Agency(
        name="Tracy PD",
        ori="CA0390300",
        state="CA",
        created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=pacific),
    )
    db.add(agency)
    db.flush()
    db.expire_all()
    stored = db.scalars(select(Agency).where(Agency.name == "Tracy PD")).one()
    assert stored.created_at == dt.datetime(2026, 1, 2, 11, 4, 5, tzinfo=dt.UTC)
    assert stored.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(db: Session) -> None:
    db.add(Agency(name="Naive PD", ori="CA0390301", state="CA", created_at=dt.datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        db.flush()


def test_foreign_keys_are_enforced(db: Session) -> None:
    from plateguard.cameras.models import Camera

    db.add(Camera(agency_id=999_999, name="Orphan", kind="fixed"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_each_test_starts_with_an_empty_database_part_one(db: Session) -> None:
    assert db.scalars(select(Agency).where(Agency.name == "Isolation PD")).first() is None
    db.add(Agency(name="Isolation PD", ori="CA0390399", state="CA"))
    db.commit()


def test_each_test_starts_with_an_empty_database_part_two(db: Session) -> None:
    assert db.scalars(select(Agency).where(Agency.name == "Isolation PD")).first() is None


def test_the_unit_of_work_runs_follow_ups_only_for_the_outcome_they_belong_to(tmp_path: Path) -> None:
    """After a commit: what must see committed state (the matcher's reload); after a rollback: the undo
    of work outside the database (new image files) and the records of refusals."""
    engine = make_engine(f"sqlite:///{tmp_path / 'unit.sqlite3'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    happened: list[str] = []
    with transaction(factory) as session:
        after_commit(session, lambda: happened.append("reloaded"))
        undo_on_rollback(session, lambda: happened.append("undone"))
    assert happened == ["reloaded"]
    happened.clear()
    with pytest.raises(InvalidInput), transaction(factory) as session:
        after_commit(session, lambda: happened.append("reloaded"))
        undo_on_rollback(session, lambda: happened.append("undone"))
        after_rollback(session, lambda side: happened.append("refusal recorded"))
        raise InvalidInput("refused")
    assert happened == ["undone", "refusal recorded"]
    engine.dispose()
