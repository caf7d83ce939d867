"""search indexes: partial-plate trigram index, canvass bounding-box index

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-28 14:05:00

On PostgreSQL partial plates are served by a pg_trgm GIN index on ``plate_normalized``; on SQLite by
an FTS5 trigram table ``plate_read_fts`` whose rows follow ``plate_read`` through three triggers.
Both dialects get a (latitude, longitude) index: the bounding-box prefilter of a canvass. The
dialect-specific objects are not in the models; tests/test_database.py and migrations/env.py ignore
them by name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE plate_read_fts USING fts5("
    "plate_normalized, content='plate_read', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER plate_read_fts_insert AFTER INSERT ON plate_read BEGIN "
    "INSERT INTO plate_read_fts(rowid, plate_normalized) VALUES (new.rowid, new.plate_normalized); END",
    "CREATE TRIGGER plate_read_fts_delete AFTER DELETE ON plate_read BEGIN "
    "INSERT INTO plate_read_fts(plate_read_fts, rowid, plate_normalized) "
    "VALUES ('delete', old.rowid, old.plate_normalized); END",
    "CREATE TRIGGER plate_read_fts_update AFTER UPDATE OF plate_normalized ON plate_read BEGIN "
    "INSERT INTO plate_read_fts(plate_read_fts, rowid, plate_normalized) "
    "VALUES ('delete', old.rowid, old.plate_normalized); "
    "INSERT INTO plate_read_fts(rowid, plate_normalized) VALUES (new.rowid, new.plate_normalized); END",
    "INSERT INTO plate_read_fts(plate_read_fts) VALUES ('rebuild')",
]


def _trigram_schema() -> str:
    """Where pg_trgm lives: an existing installation wherever it is, else a new one in ``public``."""
    find = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    schema = op.get_bind().execute(find).scalar()
    if schema is None:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        schema = "public"
    return str(schema)


def upgrade() -> None:
    with op.batch_alter_table("plate_read", schema=None) as batch_op:
        batch_op.create_index("ix_plate_read_lat_lon", ["latitude", "longitude"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        schema = _trigram_schema()
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_plate_read_plate_trgm ON plate_read "
            f'USING gin (plate_normalized "{schema}".gin_trgm_ops)'
        )
    elif dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_plate_read_plate_trgm")
    elif dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS plate_read_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS plate_read_fts")
    with op.batch_alter_table("plate_read", schema=None) as batch_op:
        batch_op.drop_index("ix_plate_read_lat_lon")
