"""Annual grading targets: the company's target-setting rounds and the targets of the company,
each unit and each branch, one per year and organisation.

Revision ID: 0015_grading_targets
Revises: 0014_branch_ratings
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_grading_targets"
down_revision = "0014_branch_ratings"
branch_labels = None
depends_on = None

LEVEL_VALUES = "('not_up_to_standard', 'basic', 'standardised', 'red_flag', 'model')"


def upgrade() -> None:
    op.create_table(
        "grading_target_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("started_by_user_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('published', 'returned')",
            name=op.f("ck_grading_target_settings_outcome_values"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_grading_target_settings_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_grading_target_settings_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by_user_id"],
            ["users.id"],
            name=op.f("fk_grading_target_settings_started_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_target_settings")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_grading_target_settings_instance_id")),
    )
    op.create_index(
        op.f("ix_grading_target_settings_year"), "grading_target_settings", ["year"], unique=False
    )
    op.create_table(
        "grading_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("model_count", sa.Integer(), nullable=True),
        sa.Column("red_flag_count", sa.Integer(), nullable=True),
        sa.Column("standardised_count", sa.Integer(), nullable=True),
        sa.Column("basic_max", sa.Integer(), nullable=True),
        sa.Column("not_up_to_standard_max", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(20), nullable=True),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"level IS NULL OR level IN {LEVEL_VALUES}",
            name=op.f("ck_grading_targets_level_values"),
        ),
        sa.CheckConstraint(
            "(model_count IS NULL OR model_count >= 0)"
            " AND (red_flag_count IS NULL OR red_flag_count >= 0)"
            " AND (standardised_count IS NULL OR standardised_count >= 0)"
            " AND (basic_max IS NULL OR basic_max >= 0)"
            " AND (not_up_to_standard_max IS NULL OR not_up_to_standard_max >= 0)",
            name=op.f("ck_grading_targets_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_grading_targets_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_grading_targets_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_grading_targets_decided_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_targets")),
        sa.UniqueConstraint(
            "year", "org_unit_id", name=op.f("uq_grading_targets_year_org_unit_id")
        ),
    )
    op.create_index(
        op.f("ix_grading_targets_org_unit_id"), "grading_targets", ["org_unit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_grading_targets_org_unit_id"), table_name="grading_targets")
    op.drop_table("grading_targets")
    op.drop_index(op.f("ix_grading_target_settings_year"), table_name="grading_target_settings")
    op.drop_table("grading_target_settings")
