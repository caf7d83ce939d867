"""a password set by the Administrator must be changed at the next sign-in

Revision ID: 0013_accounts
Revises: 0012
Create Date: 2026-11-29 12:30:00

``must_change_password`` is set when the Administrator resets a user's password and cleared when the user
chooses their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_accounts"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("must_change_password")
