"""Member points: the published versions of the points scheme (the shipped default is version 1
and is not stored).

Revision ID: 0028_points_scheme_versions
Revises: 0027_lostcontact_party_statuses
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_points_scheme_versions"
down_revision = "0027_lostcontact_party_statuses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "points_scheme_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False, unique=True),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_by_login", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("points_scheme_versions")
