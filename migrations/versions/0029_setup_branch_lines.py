"""Branch set-up and adjustment: the line crossings the worker saw (one procedure each) and the
approved changes with their effective dates.

Revision ID: 0029_setup_branch_lines
Revises: 0028_points_scheme_versions
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_setup_branch_lines"
down_revision = "0028_points_scheme_versions"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "branch_line_crossings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(32), nullable=False),
        sa.Column("full_members", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("crossed_on", sa.Date(), nullable=False),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("branch_line_crossings", "branch_id", "org_units"),
        _fk("branch_line_crossings", "instance_id", "process_instances"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_line_crossings")),
    )
    op.create_index(
        "ix_branch_line_crossings_open",
        "branch_line_crossings",
        ["branch_id", "line", "cleared_on"],
    )
    op.create_table(
        "branch_org_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("decision_no", sa.String(100), nullable=False),
        sa.Column("has_committee", sa.Boolean(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_branch_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _fk("branch_org_decisions", "branch_id", "org_units"),
        _fk("branch_org_decisions", "instance_id", "process_instances"),
        _fk("branch_org_decisions", "merged_into_id", "org_units"),
        _fk("branch_org_decisions", "created_branch_id", "org_units"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_org_decisions")),
    )
    op.create_index(
        op.f("ix_branch_org_decisions_branch_id"), "branch_org_decisions", ["branch_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_branch_org_decisions_branch_id"), table_name="branch_org_decisions")
    op.drop_table("branch_org_decisions")
    op.drop_index("ix_branch_line_crossings_open", table_name="branch_line_crossings")
    op.drop_table("branch_line_crossings")
