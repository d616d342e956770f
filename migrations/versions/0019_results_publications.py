"""Published results of a grading cycle (结果运用, G9): one row per cycle, insert-only.

Revision ID: 0019_results_publications
Revises: 0018_model_sites
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_results_publications"
down_revision = "0018_model_sites"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER results_publications_no_update BEFORE UPDATE ON results_publications
    BEGIN SELECT RAISE(ABORT, 'results_publications rows are never changed'); END""",
    """CREATE TRIGGER results_publications_no_delete BEFORE DELETE ON results_publications
    BEGIN SELECT RAISE(ABORT, 'results_publications rows are never deleted'); END""",
)
POSTGRES_TRIGGERS = (
    """CREATE FUNCTION results_publications_refuse() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'results_publications rows are never changed or deleted'; END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER results_publications_append_only BEFORE UPDATE OR DELETE
    ON results_publications FOR EACH ROW EXECUTE FUNCTION results_publications_refuse()""",
)


def upgrade() -> None:
    op.create_table(
        "results_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("notice_no", sa.String(100), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("priority_json", sa.Text(), nullable=False),
        sa.Column("application_note", sa.Text(), nullable=False),
        sa.Column("published_by_login", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["grading_cycles.id"], name=op.f("fk_results_publications_cycle_id")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_results_publications_instance_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results_publications")),
        sa.UniqueConstraint("cycle_id", name=op.f("uq_results_publications_cycle_id")),
    )
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER results_publications_append_only ON results_publications")
        op.execute("DROP FUNCTION results_publications_refuse()")
    op.drop_table("results_publications")
