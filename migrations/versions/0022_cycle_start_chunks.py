"""Grading cycles started in chunks: the number of branches a cycle will hold, so that the page
can show the start's progress and an interrupted start can be resumed.

Revision ID: 0022_cycle_start_chunks
Revises: 0021_person_history
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_cycle_start_chunks"
down_revision = "0021_person_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("grading_cycles", sa.Column("branches_planned", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grading_cycles") as batch:
        batch.drop_column("branches_planned")
