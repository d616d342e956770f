"""The designer workspace: the forms a draft adds or changes, published with it.

Revision ID: 0026_designer_flow_forms
Revises: 0025_en_pages_english_names
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_designer_flow_forms"
down_revision = "0025_en_pages_english_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "designer_draft_forms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "draft_id",
            sa.Integer(),
            sa.ForeignKey("designer_drafts.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("json", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("draft_id", "form_key", name="uq_draft_form_key"),
    )


def downgrade() -> None:
    op.drop_table("designer_draft_forms")
