"""sign-in failures kept in the database for throttling; last used two-factor step per user

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 08:45:00

``sign_in_failure`` holds one row per failed sign-in (username as typed, address), so throttling per
account and per address survives a restart and is shared by every server process. ``totp_last_step``
remembers the last accepted authenticator time step, so a code cannot be used twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from plateguard.database import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    op.create_index(op.f("ix_sign_in_failure_username"), "sign_in_failure", ["username"])
    op.create_index(op.f("ix_sign_in_failure_address"), "sign_in_failure", ["address"])
    op.create_index(op.f("ix_sign_in_failure_at"), "sign_in_failure", ["at"])
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("totp_last_step")
    op.drop_index(op.f("ix_sign_in_failure_at"), table_name="sign_in_failure")
    op.drop_index(op.f("ix_sign_in_failure_address"), table_name="sign_in_failure")
    op.drop_index(op.f("ix_sign_in_failure_username"), table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
