"""access log append-only on SQLite, hotlist entries ended instead of deleted, training attested at init

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:00:00

SQLite gets the append-only triggers PostgreSQL has had since 0002 (UPDATE and DELETE of an access
record abort). Hotlist entries gain ``ended_at``, ``ended_by`` and ``end_reason``: an entry taken off a
list by hand stays in the table, so a list's history can be audited. A training record gains
``attested_at_init``: the first Administrator's own statement, made when ``plateguard init`` ran.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "access_record_no_update": "UPDATE",
    "access_record_no_delete": "DELETE",
}


def upgrade() -> None:
    with op.batch_alter_table("hotlist_entry") as batch:
        batch.add_column(sa.Column("ended_at", plateguard.database.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ended_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("end_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("training_record") as batch:
        batch.add_column(
            sa.Column("attested_at_init", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    if op.get_bind().dialect.name == "sqlite":
        for name, operation in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON access_record BEGIN "
                f"SELECT RAISE(ABORT, 'access_record is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("training_record") as batch:
        batch.drop_column("attested_at_init")
    with op.batch_alter_table("hotlist_entry") as batch:
        batch.drop_column("end_reason")
        batch.drop_column("ended_by")
        batch.drop_column("ended_at")
