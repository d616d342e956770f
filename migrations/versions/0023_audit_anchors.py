"""The anchor list: heads of the audit trail and of the step logs, taken for safekeeping outside
the database (``flask audit anchor``). Append-only, as the audit trail is.

Revision ID: 0023_audit_anchors
Revises: 0022_cycle_start_chunks
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_audit_anchors"
down_revision = "0022_cycle_start_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(64), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_hash", sa.String(64), nullable=False),
        sa.Column("step_max_id", sa.BigInteger(), nullable=False),
        sa.Column("instances", sa.Integer(), nullable=False),
        sa.Column("steps_digest", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    _append_only()


def _append_only() -> None:
    """The database refuses to change or remove an anchor, whoever asks."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_anchors_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_anchors is append-only';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_anchors_no_change BEFORE UPDATE OR DELETE ON audit_anchors "
            "FOR EACH ROW EXECUTE FUNCTION audit_anchors_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_anchors_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_anchors_no_{action.lower()} BEFORE {action} ON audit_anchors "
            "BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END"
        )


def downgrade() -> None:
    op.drop_table("audit_anchors")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_anchors_append_only()")
