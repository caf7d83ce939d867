"""plate_read partitioned by month on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 17:45:00

On PostgreSQL ``plate_read`` becomes ``PARTITION BY RANGE (captured_at)`` with one partition per calendar
month (``plate_read_mYYYY_MM``), so retention can drop a whole month at once. A partitioned table's
unique keys must hold the partition column: the primary key becomes ``(id, captured_at)``, and the
foreign key from ``alert.read_id`` is dropped (a database cannot point at one partition's row by id
alone; alerts keep the read id, and retention must keep reads that alerts, evidence or holds need).
Existing rows are copied into the new table; every other index is declared again on the parent.
SQLite is unchanged.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

from plateguard.reads.partitions import create_month_partitions, months_between

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ALERT_FK = "fk_alert_read_id_plate_read"


def _index_definitions(table: str) -> list[str]:
    """CREATE INDEX statements of the table's indexes, primary key excepted."""
    rows = op.get_bind().execute(
        text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisprimary"
        ),
        {"table": table},
    )
    return [row[0] for row in rows]


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    rows = op.get_bind().execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f'"
        ),
        {"table": table},
    )
    return [(name, definition) for name, definition in rows]


def _rebuild(*, partitioned: bool) -> None:
    """Recreate plate_read (partitioned or plain) with its rows, indexes and foreign keys."""
    indexes, foreign_keys = _index_definitions("plate_read"), _foreign_keys("plate_read")
    op.execute("ALTER TABLE plate_read RENAME TO plate_read_old")
    op.execute("ALTER TABLE plate_read_old RENAME CONSTRAINT pk_plate_read TO pk_plate_read_old")
    for name, _ in foreign_keys:
        op.execute(f"ALTER TABLE plate_read_old DROP CONSTRAINT {name}")
    tail = " PARTITION BY RANGE (captured_at)" if partitioned else ""
    op.execute(f"CREATE TABLE plate_read (LIKE plate_read_old INCLUDING DEFAULTS){tail}")
    key = "id, captured_at" if partitioned else "id"
    op.execute(f"ALTER TABLE plate_read ADD CONSTRAINT pk_plate_read PRIMARY KEY ({key})")
    if partitioned:
        first, last = (
            op.get_bind().execute(text("SELECT min(captured_at), max(captured_at) FROM plate_read_old")).one()
        )
        create_month_partitions(op.get_bind(), months_between(first, last))
    op.execute("INSERT INTO plate_read SELECT * FROM plate_read_old")
    op.execute("DROP TABLE plate_read_old")
    for statement in indexes:
        op.execute(statement)
    for name, definition in foreign_keys:
        op.execute(f"ALTER TABLE plate_read ADD CONSTRAINT {name} {definition}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE alert DROP CONSTRAINT {ALERT_FK}")
    _rebuild(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(partitioned=False)
    op.execute(
        f"ALTER TABLE alert ADD CONSTRAINT {ALERT_FK} FOREIGN KEY (read_id) REFERENCES plate_read (id)"
    )
