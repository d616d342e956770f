"""The grading rubric as versioned configuration: append-only rubric versions.

Revision ID: 0010_grading_rubric
Revises: 0009_inbox_indexes
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_grading_rubric"
down_revision = "0009_inbox_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rubric_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by_login", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_rubric_versions_created_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_rubric_versions_version")),
    )
    _append_only_guards()


def _append_only_guards() -> None:
    """A published version is never changed or removed: cycles pin it (same guard as step_log)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION rubric_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'rubric_versions is append-only';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER rubric_versions_no_change BEFORE UPDATE OR DELETE ON rubric_versions "
            "FOR EACH ROW EXECUTE FUNCTION rubric_versions_append_only()"
        )
        op.execute(
            "CREATE TRIGGER rubric_versions_no_truncate BEFORE TRUNCATE ON rubric_versions "
            "FOR EACH STATEMENT EXECUTE FUNCTION rubric_versions_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER rubric_versions_no_{action.lower()} BEFORE {action} "
                "ON rubric_versions "
                "BEGIN SELECT RAISE(ABORT, 'rubric_versions is append-only'); END"
            )


def downgrade() -> None:
    op.drop_table("rubric_versions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION rubric_versions_append_only()")
