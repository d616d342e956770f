"""The designer workspace: model drafts, their saved revisions and publish requests.

Revision ID: 0024_designer_server_drafts
Revises: 0023_audit_anchors
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_designer_server_drafts"
down_revision = "0023_audit_anchors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "designer_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_name", sa.String(200), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("problems_json", sa.Text(), nullable=False),
        sa.Column(
            "base_definition_id",
            sa.Integer(),
            sa.ForeignKey("process_definitions.id"),
            nullable=True,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "designer_draft_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "draft_id",
            sa.Integer(),
            sa.ForeignKey("designer_drafts.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
    )
    op.create_table(
        "designer_publish_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "draft_id",
            sa.Integer(),
            sa.ForeignKey("designer_drafts.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_hash", sa.String(64), nullable=True),
        sa.Column("new_hash", sa.String(64), nullable=False),
        sa.Column("diff_json", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("deployed_json", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("designer_publish_requests")
    op.drop_table("designer_draft_revisions")
    op.drop_table("designer_drafts")
