"""Reminders and missed-meeting tasks already issued, one per branch, meeting and period.

Revision ID: 0011_meeting_notices
Revises: 0010_grading_rubric
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_meeting_notices"
down_revision = "0010_grading_rubric"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(100), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_units.id"], name=op.f("fk_meeting_notices_branch_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_meeting_notices_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_notices")),
        sa.UniqueConstraint(
            "branch_id",
            "process_key",
            "period_start",
            "kind",
            name=op.f("uq_meeting_notices_branch_id_process_key_period_start_kind"),
        ),
    )


def downgrade() -> None:
    op.drop_table("meeting_notices")
