"""Drafts of task forms.

Revision ID: 0006_task_drafts
Revises: 0005_saved_filters
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_task_drafts"
down_revision = "0005_saved_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["human_tasks.id"], name=op.f("fk_task_drafts_task_id_human_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_task_drafts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_drafts")),
        sa.UniqueConstraint("task_id", "user_id", name=op.f("uq_task_drafts_task_id_user_id")),
    )
    op.create_index(op.f("ix_task_drafts_task_id"), "task_drafts", ["task_id"])


def downgrade() -> None:
    op.drop_table("task_drafts")
