"""Model sites (观摩点) chosen from a grading cycle's branches, with their observation visit.

Revision ID: 0018_model_sites
Revises: 0017_dynamic_analysis
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_model_sites"
down_revision = "0017_dynamic_analysis"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(30), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decision_no", sa.String(100), nullable=False),
        sa.Column("selection_instance_id", sa.Integer(), nullable=False),
        sa.Column("preparation_instance_id", sa.Integer(), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=True),
        sa.Column("visitor_count", sa.Integer(), nullable=True),
        sa.Column("visiting_units", sa.Text(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["grading_cycles.id"], name=op.f("fk_model_sites_cycle_id_grading_cycles")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_units.id"], name=op.f("fk_model_sites_branch_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["selection_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_model_sites_selection_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["preparation_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_model_sites_preparation_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_sites")),
        sa.UniqueConstraint(
            "cycle_id", "branch_id", name=op.f("uq_model_sites_cycle_id_branch_id")
        ),
    )
    op.create_index(op.f("ix_model_sites_cycle_id"), "model_sites", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_model_sites_branch_id"), "model_sites", ["branch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_model_sites_branch_id"), table_name="model_sites")
    op.drop_index(op.f("ix_model_sites_cycle_id"), table_name="model_sites")
    op.drop_table("model_sites")
