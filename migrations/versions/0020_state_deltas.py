"""Instance history as deltas: a snapshot is the full state or the change from the one before, and
every step that stores a state records the state's hash in the step log's chain.

Revision ID: 0020_state_deltas
Revises: 0019_results_publications
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_state_deltas"
down_revision = "0019_results_publications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): the step log's append-only triggers stay in place.
    op.add_column("instance_snapshots", sa.Column("base_seq", sa.Integer(), nullable=True))
    op.add_column("step_log", sa.Column("state_hash", sa.String(64), nullable=True))
    op.add_column("process_instances", sa.Column("snapshot_seq", sa.Integer(), nullable=True))
    op.add_column("process_instances", sa.Column("full_snapshot_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("process_instances", "full_snapshot_seq")
    op.drop_column("process_instances", "snapshot_seq")
    op.drop_column("step_log", "state_hash")
    op.drop_column("instance_snapshots", "base_seq")
