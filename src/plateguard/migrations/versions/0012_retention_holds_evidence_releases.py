"""retention schedules, legal holds, destruction records, evidence exports, release requests

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 08:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import plateguard.database

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC = plateguard.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_index("ix_plate_read_plate_image", "plate_read", ["plate_image_sha256"])
    op.create_index("ix_plate_read_overview_image", "plate_read", ["overview_image_sha256"])
    op.create_table(
        "retention_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_kind", sa.String(length=24), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("legal_override", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("proposed_at", UTC, nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_schedule")),
    )
    op.create_index("ix_retention_schedule_kind_status", "retention_schedule", ["data_kind", "status"])
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.Column("released_at", UTC, nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    op.create_index(op.f("ix_legal_hold_case_number"), "legal_hold", ["case_number"])
    op.create_table(
        "legal_hold_read",
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Uuid(), nullable=False),
        sa.Column("captured_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["legal_hold.id"], name=op.f("fk_legal_hold_read_hold_id_legal_hold")
        ),
        sa.PrimaryKeyConstraint("hold_id", "read_id", name=op.f("pk_legal_hold_read")),
    )
    op.create_index(op.f("ix_legal_hold_read_read_id"), "legal_hold_read", ["read_id"])
    op.create_index("ix_legal_hold_read_captured", "legal_hold_read", ["captured_at"])
    op.create_table(
        "destruction_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_kind", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("oldest", UTC, nullable=True),
        sa.Column("newest", UTC, nullable=True),
        sa.Column("cutoff", UTC, nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("schedule_days", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("run_by", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["retention_schedule.id"],
            name=op.f("fk_destruction_record_schedule_id_retention_schedule"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_record")),
    )
    op.create_table(
        "pending_file_deletion",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("queued_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_pending_file_deletion")),
    )
    _evidence_and_releases()


def _evidence_and_releases() -> None:
    op.create_table(
        "evidence_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("exported_by", sa.String(length=200), nullable=False),
        sa.Column("exported_at", UTC, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recipient_agency", sa.String(length=200), nullable=False),
        sa.Column("release_request_id", sa.Integer(), nullable=True),
        sa.Column("reads", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_export")),
    )
    op.create_index(op.f("ix_evidence_export_case_number"), "evidence_export", ["case_number"])
    op.create_table(
        "release_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_name", sa.String(length=200), nullable=False),
        sa.Column("agency_state", sa.String(length=2), nullable=False),
        sa.Column("requester_kind", sa.String(length=20), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("data_requested", sa.Text(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("document_name", sa.String(length=200), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("approved_scope", sa.Text(), nullable=False),
        sa.Column("fulfilled_by", sa.String(length=200), nullable=True),
        sa.Column("fulfilled_at", UTC, nullable=True),
        sa.Column("package_sha256", sa.String(length=64), nullable=True),
        sa.Column("package_reads", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_request")),
    )
    op.create_index("ix_release_request_status", "release_request", ["status"])


def downgrade() -> None:
    for table in (
        "release_request",
        "evidence_export",
        "pending_file_deletion",
        "destruction_record",
        "legal_hold_read",
        "legal_hold",
        "retention_schedule",
    ):
        op.drop_table(table)
    op.drop_index("ix_plate_read_overview_image", table_name="plate_read")
    op.drop_index("ix_plate_read_plate_image", table_name="plate_read")
