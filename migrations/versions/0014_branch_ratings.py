"""Branch star ratings (星级, 1–5) and A/B/C classes: append-only, the newest row is current.

Revision ID: 0014_branch_ratings
Revises: 0013_grading_cycles
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_branch_ratings"
down_revision = "0013_grading_cycles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "branch_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("rated_on", sa.Date(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("rating_class", sa.String(1), nullable=False),
        sa.Column("score", sa.Numeric(6, 2), nullable=True),
        sa.Column("has_veto", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("cycle", sa.String(20), nullable=True),
        sa.Column("rubric_version_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_branch_ratings_stars_range")),
        sa.CheckConstraint(
            "rating_class IN ('A', 'B', 'C')", name=op.f("ck_branch_ratings_rating_class_values")
        ),
        sa.CheckConstraint(
            "source IN ('acceptance', 'half_year', 'manual')",
            name=op.f("ck_branch_ratings_source_values"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_units.id"], name=op.f("fk_branch_ratings_branch_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["rubric_versions.id"],
            name=op.f("fk_branch_ratings_rubric_version_id_rubric_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_ratings")),
    )
    op.create_index(
        "ix_branch_ratings_branch_id_rated_on", "branch_ratings", ["branch_id", "rated_on"]
    )
    _insert_only_guards()


def _insert_only_guards() -> None:
    """A rating is never changed or deleted: a new rating is a new row."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION branch_ratings_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'branch_ratings: rows are only ever inserted';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER branch_ratings_insert_only BEFORE UPDATE OR DELETE ON branch_ratings "
            "FOR EACH ROW EXECUTE FUNCTION branch_ratings_insert_only()"
        )
        op.execute(
            "CREATE TRIGGER branch_ratings_no_truncate BEFORE TRUNCATE ON branch_ratings "
            "FOR EACH STATEMENT EXECUTE FUNCTION branch_ratings_insert_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER branch_ratings_no_update BEFORE UPDATE ON branch_ratings "
            "BEGIN SELECT RAISE(ABORT, 'branch_ratings: rows are only ever inserted'); END"
        )
        op.execute(
            "CREATE TRIGGER branch_ratings_no_delete BEFORE DELETE ON branch_ratings "
            "BEGIN SELECT RAISE(ABORT, 'branch_ratings: rows are only ever inserted'); END"
        )


def downgrade() -> None:
    op.drop_index("ix_branch_ratings_branch_id_rated_on", table_name="branch_ratings")
    op.drop_table("branch_ratings")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION branch_ratings_insert_only()")
