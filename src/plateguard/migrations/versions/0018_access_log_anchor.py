"""the access log's oldest records may be purged up to a signed anchor

Revision ID: 0018_access_log_anchor
Revises: 0017_row_security
Create Date: 2026-11-29 15:30:00

``access_log_anchor`` records where the kept chain starts after the retention purge destroyed the oldest
access records (the last destroyed record's sequence number and hash, signed with the checkpoint key).
The append-only triggers still refuse every UPDATE and TRUNCATE of an access record, and every DELETE
except of a record at or below the newest anchor; the anchors themselves can be added, never changed or
removed. On PostgreSQL the trigger function looks the anchor up in its own schema only (a temporary
table of the same name cannot stand in for it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0018_access_log_anchor"
down_revision = "0017_row_security"
branch_labels = None
depends_on = None

REFUSE = "SELECT RAISE(ABORT, '{table} is append-only: {operation} refused')"
SQLITE_DELETE_AT_OR_BELOW_ANCHOR = (
    "CREATE TRIGGER access_record_no_delete BEFORE DELETE ON access_record "
    "WHEN OLD.sequence > (SELECT coalesce(max(sequence), 0) FROM access_log_anchor) "
    "BEGIN SELECT RAISE(ABORT, 'access_record is append-only: DELETE refused'); END"
)
SQLITE_DELETE_NEVER = (
    "CREATE TRIGGER access_record_no_delete BEFORE DELETE ON access_record "
    f"BEGIN {REFUSE.format(table='access_record', operation='DELETE')}; END"
)
POSTGRES_RECORD_FUNCTION = """
CREATE OR REPLACE FUNCTION plateguard_access_record_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.sequence <= (SELECT coalesce(max(sequence), 0) FROM access_log_anchor) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'access_record is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
POSTGRES_ORIGINAL_FUNCTION = """
CREATE OR REPLACE FUNCTION plateguard_access_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access_record is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
POSTGRES_ANCHOR_FUNCTION = """
CREATE OR REPLACE FUNCTION plateguard_access_log_anchor_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access_log_anchor is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "access_log_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("cutoff", plateguard.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("written_at", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("destruction_record_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["destruction_record_id"],
            ["destruction_record.id"],
            name=op.f("fk_access_log_anchor_destruction_record_id_destruction_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log_anchor")),
        sa.UniqueConstraint("sequence", name=op.f("uq_access_log_anchor_sequence")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
        return
    op.execute("DROP TRIGGER access_record_no_delete")
    op.execute(SQLITE_DELETE_AT_OR_BELOW_ANCHOR)
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER access_log_anchor_no_{operation.lower()} BEFORE {operation} ON access_log_anchor "
            f"BEGIN {REFUSE.format(table='access_log_anchor', operation=operation)}; END"
        )


def _postgresql_triggers() -> None:
    schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
    op.execute(POSTGRES_RECORD_FUNCTION)
    op.execute(f'ALTER FUNCTION plateguard_access_record_append_only() SET search_path = "{schema}", pg_temp')
    op.execute(POSTGRES_ANCHOR_FUNCTION)
    op.execute(
        "CREATE TRIGGER access_log_anchor_append_only BEFORE UPDATE OR DELETE ON access_log_anchor "
        "FOR EACH ROW EXECUTE FUNCTION plateguard_access_log_anchor_append_only()"
    )
    op.execute(
        "CREATE TRIGGER access_log_anchor_no_truncate BEFORE TRUNCATE ON access_log_anchor "
        "FOR EACH STATEMENT EXECUTE FUNCTION plateguard_access_log_anchor_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_anchor_append_only ON access_log_anchor")
        op.execute("DROP TRIGGER IF EXISTS access_log_anchor_no_truncate ON access_log_anchor")
        op.execute("DROP FUNCTION IF EXISTS plateguard_access_log_anchor_append_only()")
        op.execute(POSTGRES_ORIGINAL_FUNCTION)
        op.execute("ALTER FUNCTION plateguard_access_record_append_only() RESET search_path")
    else:
        op.execute("DROP TRIGGER IF EXISTS access_log_anchor_no_update")
        op.execute("DROP TRIGGER IF EXISTS access_log_anchor_no_delete")
        op.execute("DROP TRIGGER access_record_no_delete")
        op.execute(SQLITE_DELETE_NEVER)
    op.drop_table("access_log_anchor")
