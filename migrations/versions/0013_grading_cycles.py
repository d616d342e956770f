"""Grading cycles: one per year and scope, with the instance of ``grading_cycle`` of each branch.

Revision ID: 0013_grading_cycles
Revises: 0012_branch_levels
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_grading_cycles"
down_revision = "0012_branch_levels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grading_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("scope_org_id", sa.Integer(), nullable=False),
        sa.Column("started_by_user_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["rubric_versions.id"],
            name=op.f("fk_grading_cycles_rubric_version_id_rubric_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_org_id"],
            ["org_units.id"],
            name=op.f("fk_grading_cycles_scope_org_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by_user_id"],
            ["users.id"],
            name=op.f("fk_grading_cycles_started_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_cycles")),
        sa.UniqueConstraint(
            "year", "scope_org_id", name=op.f("uq_grading_cycles_year_scope_org_id")
        ),
    )
    op.create_table(
        "grading_cycle_branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["grading_cycles.id"],
            name=op.f("fk_grading_cycle_branches_cycle_id_grading_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["org_units.id"],
            name=op.f("fk_grading_cycle_branches_branch_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_grading_cycle_branches_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_cycle_branches")),
        sa.UniqueConstraint(
            "cycle_id", "branch_id", name=op.f("uq_grading_cycle_branches_cycle_id_branch_id")
        ),
    )
    op.create_index(
        op.f("ix_grading_cycle_branches_cycle_id"),
        "grading_cycle_branches",
        ["cycle_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_grading_cycle_branches_cycle_id"), table_name="grading_cycle_branches")
    op.drop_table("grading_cycle_branches")
    op.drop_table("grading_cycles")
