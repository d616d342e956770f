"""Annual dynamic analysis (年度动态分析): analyses per year, 软弱涣散 designations, and the
一支部一策 improvement plans per branch with their instance and outcome.

Revision ID: 0017_dynamic_analysis
Revises: 0016_brands
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_dynamic_analysis"
down_revision = "0016_brands"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _analyses()
    _designations()
    _plans()


def _analyses() -> None:
    op.create_table(
        "dynamic_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scope_org_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("started_by_user_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_no", sa.String(100), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'approved', 'returned', 'cancelled')",
            name=op.f("ck_dynamic_analyses_status_values"),
        ),
        sa.ForeignKeyConstraint(
            ["scope_org_id"],
            ["org_units.id"],
            name=op.f("fk_dynamic_analyses_scope_org_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_dynamic_analyses_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by_user_id"],
            ["users.id"],
            name=op.f("fk_dynamic_analyses_started_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dynamic_analyses")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_dynamic_analyses_instance_id")),
    )
    # One running or approved analysis per year; returned and cancelled ones leave room.
    op.create_index(
        "uq_dynamic_analyses_year_holding",
        "dynamic_analyses",
        ["year"],
        unique=True,
        sqlite_where=sa.text("status IN ('running', 'approved')"),
        postgresql_where=sa.text("status IN ('running', 'approved')"),
    )


def _designations() -> None:
    op.create_table(
        "weak_designations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("designated_by_user_id", sa.Integer(), nullable=True),
        sa.Column("designated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_by_instance_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'withdrawn', 'confirmed', 'lifted')",
            name=op.f("ck_weak_designations_status_values"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('confirmed', 'lifted') OR confirmed_on IS NOT NULL",
            name=op.f("ck_weak_designations_confirmed_has_a_day"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_units.id"], name=op.f("fk_weak_designations_branch_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["designated_by_user_id"],
            ["users.id"],
            name=op.f("fk_weak_designations_designated_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["dynamic_analyses.id"],
            name=op.f("fk_weak_designations_analysis_id_dynamic_analyses"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_weak_designations_ended_by_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weak_designations")),
    )
    # At most one open proposal per branch and year.
    op.create_index(
        "uq_weak_designations_branch_id_year_proposed",
        "weak_designations",
        ["branch_id", "year"],
        unique=True,
        sqlite_where=sa.text("status = 'proposed'"),
        postgresql_where=sa.text("status = 'proposed'"),
    )
    op.create_index(
        "ix_weak_designations_branch_id_status", "weak_designations", ["branch_id", "status"]
    )


def _plans() -> None:
    op.create_table(
        "improvement_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("target_class", sa.String(1), nullable=True),
        sa.Column("target_level", sa.String(30), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("verify_comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('improved', 'not_improved')",
            name=op.f("ck_improvement_plans_outcome_values"),
        ),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["dynamic_analyses.id"],
            name=op.f("fk_improvement_plans_analysis_id_dynamic_analyses"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_units.id"], name=op.f("fk_improvement_plans_branch_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_improvement_plans_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_plans")),
        sa.UniqueConstraint(
            "analysis_id", "branch_id", name=op.f("uq_improvement_plans_analysis_id_branch_id")
        ),
        sa.UniqueConstraint("instance_id", name=op.f("uq_improvement_plans_instance_id")),
    )
    op.create_index(op.f("ix_improvement_plans_analysis_id"), "improvement_plans", ["analysis_id"])
    op.create_index(op.f("ix_improvement_plans_branch_id"), "improvement_plans", ["branch_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_improvement_plans_branch_id"), table_name="improvement_plans")
    op.drop_index(op.f("ix_improvement_plans_analysis_id"), table_name="improvement_plans")
    op.drop_table("improvement_plans")
    op.drop_index("ix_weak_designations_branch_id_status", table_name="weak_designations")
    op.drop_index("uq_weak_designations_branch_id_year_proposed", table_name="weak_designations")
    op.drop_table("weak_designations")
    op.drop_index("uq_dynamic_analyses_year_holding", table_name="dynamic_analyses")
    op.drop_table("dynamic_analyses")
