"""audits with findings and sign-off, security incidents

Revision ID: 0014_audits
Revises: 0013_accounts
Create Date: 2026-11-29 12:30:00

A signed-off audit is fixed in the database itself: triggers abort an UPDATE or DELETE of a signed-off
audit and any INSERT, UPDATE or DELETE of its items (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0014_audits"
down_revision = "0013_accounts"
branch_labels = None
depends_on = None

UTC = plateguard.database.UTCDateTime(timezone=True)
REFUSAL = "a signed-off audit cannot be changed"

SQLITE_TRIGGERS = {
    "audit_signed_no_update": "BEFORE UPDATE ON audit WHEN OLD.signed_off_at IS NOT NULL",
    "audit_signed_no_delete": "BEFORE DELETE ON audit WHEN OLD.signed_off_at IS NOT NULL",
    "audit_item_signed_no_insert": "BEFORE INSERT ON audit_item WHEN "
    "(SELECT signed_off_at FROM audit WHERE id = NEW.audit_id) IS NOT NULL",
    "audit_item_signed_no_update": "BEFORE UPDATE ON audit_item WHEN "
    "(SELECT signed_off_at FROM audit WHERE id IN (OLD.audit_id, NEW.audit_id) "
    "AND signed_off_at IS NOT NULL) IS NOT NULL",
    "audit_item_signed_no_delete": "BEFORE DELETE ON audit_item WHEN "
    "(SELECT signed_off_at FROM audit WHERE id = OLD.audit_id) IS NOT NULL",
}

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION plateguard_signed_audit_fixed() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'audit' THEN
        IF OLD.signed_off_at IS NOT NULL THEN
            RAISE EXCEPTION 'a signed-off audit cannot be changed: % refused', TG_OP;
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM audit WHERE id = OLD.audit_id AND signed_off_at IS NOT NULL
        ) THEN
            RAISE EXCEPTION 'a signed-off audit cannot be changed: % refused', TG_OP;
        END IF;
        IF TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM audit WHERE id = NEW.audit_id AND signed_off_at IS NOT NULL
        ) THEN
            RAISE EXCEPTION 'a signed-off audit cannot be changed: % refused', TG_OP;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("signed_off_by", sa.String(length=200), nullable=True),
        sa.Column("signed_off_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_table(
        "audit_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("access_sequence", sa.BigInteger(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("finding", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("found_by", sa.String(length=200), nullable=True),
        sa.Column("found_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"], name=op.f("fk_audit_item_audit_id_audit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_item")),
    )
    op.create_index(op.f("ix_audit_item_audit_id"), "audit_item", ["audit_id"], unique=False)
    op.create_table(
        "security_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discovered_at", UTC, nullable=False),
        sa.Column("discovered_by", sa.String(length=200), nullable=False),
        sa.Column("data_involved", sa.Text(), nullable=False),
        sa.Column("persons_affected", sa.Text(), nullable=False),
        sa.Column("residents_affected", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encrypted_with_key_safe", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("residents_notified_at", UTC, nullable=True),
        sa.Column("attorney_general_notified_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_incident")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for name, when in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
    else:
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_signed_fixed BEFORE UPDATE OR DELETE ON audit "
            "FOR EACH ROW EXECUTE FUNCTION plateguard_signed_audit_fixed()"
        )
        op.execute(
            "CREATE TRIGGER audit_item_signed_fixed BEFORE INSERT OR UPDATE OR DELETE ON audit_item "
            "FOR EACH ROW EXECUTE FUNCTION plateguard_signed_audit_fixed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_item_signed_fixed ON audit_item")
        op.execute("DROP TRIGGER IF EXISTS audit_signed_fixed ON audit")
        op.execute("DROP FUNCTION IF EXISTS plateguard_signed_audit_fixed()")
    op.drop_table("security_incident")
    op.drop_index(op.f("ix_audit_item_audit_id"), table_name="audit_item")
    op.drop_table("audit_item")
    op.drop_table("audit")
