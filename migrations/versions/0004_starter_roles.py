"""Who may start a process by hand: the roles of its start events' lanes.

Revision ID: 0004_starter_roles
Revises: 0003_api_tokens
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_starter_roles"
down_revision = "0003_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.add_column(
            sa.Column("starter_roles_json", sa.Text(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("process_definitions") as batch:
        batch.drop_column("starter_roles_json")
