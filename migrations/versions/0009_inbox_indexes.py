"""The inbox's list of completed tasks: found by who completed them, newest first.

Revision ID: 0009_inbox_indexes
Revises: 0008_attachments
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0009_inbox_indexes"
down_revision = "0008_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_human_tasks_completed_by",
        "human_tasks",
        ["completed_by_user_id", "state", "completed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_human_tasks_completed_by", table_name="human_tasks")
