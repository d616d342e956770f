"""Saved inbox filters.

Revision ID: 0005_saved_filters
Revises: 0004_starter_roles
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_saved_filters"
down_revision = "0004_starter_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("view", sa.String(16), nullable=False),
        sa.Column("query_json", sa.Text(), nullable=False),
        sa.Column("shared_role", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_saved_filters_owner_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
    )
    op.create_index(op.f("ix_saved_filters_owner_user_id"), "saved_filters", ["owner_user_id"])
    op.create_index(op.f("ix_saved_filters_shared_role"), "saved_filters", ["shared_role"])


def downgrade() -> None:
    op.drop_table("saved_filters")
