"""A person's party status changes and branch transfers, each a dated record, so that who was a
member of which branch, and with what status, can be read for any day.

Revision ID: 0021_person_history
Revises: 0020_state_deltas
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_person_history"
down_revision = "0020_state_deltas"
branch_labels = None
depends_on = None

STATUSES = "'applicant', 'activist', 'development_target', 'probationary', 'full'"


def upgrade() -> None:
    op.create_table(
        "party_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=False),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        # the process that recorded it, for the auditor (no foreign key: people sit below
        # processes, and a change recorded by hand has none)
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"from_status IN ({STATUSES})", name="from_status_values"),
        sa.CheckConstraint(f"to_status IN ({STATUSES})", name="to_status_values"),
    )
    op.create_index(
        "ix_party_status_changes_person", "party_status_changes", ["person_id", "effective_on"]
    )
    op.create_table(
        "branch_transfers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("from_branch_id", sa.Integer(), sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("to_branch_id", sa.Integer(), sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        # the process that recorded it, for the auditor (no foreign key: people sit below
        # processes, and a change recorded by hand has none)
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_branch_transfers_person", "branch_transfers", ["person_id", "effective_on"])
    op.create_index("ix_branch_transfers_to", "branch_transfers", ["to_branch_id"])
    op.create_index("ix_branch_transfers_from", "branch_transfers", ["from_branch_id"])


def downgrade() -> None:
    op.drop_table("branch_transfers")
    op.drop_table("party_status_changes")
