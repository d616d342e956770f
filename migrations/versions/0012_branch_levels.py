"""Branch level history (等级历程): every level a branch has held, plaques and delistings.

Branches that already carry a level get one opening row (held from the day the branch was created,
decided by "the level recorded before the history existed"), so that the history and
``org_units.level`` agree from the start.

Revision ID: 0012_branch_levels
Revises: 0011_meeting_notices
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_branch_levels"
down_revision = "0011_meeting_notices"
branch_labels = None
depends_on = None

#: Shown as the decision of the rows written for levels recorded before this migration.
BACKFILL_DECISION = "启用等级历程前已记录的等级（迁移 0012）"


def upgrade() -> None:
    op.create_table(
        "branch_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "not_up_to_standard",
                "basic",
                "standardised",
                "red_flag",
                "model",
                name="level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("held_from", sa.Date(), nullable=False),
        sa.Column("held_to", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("cycle", sa.String(20), nullable=True),
        sa.Column("plaque_no", sa.String(40), nullable=True),
        sa.Column("delisted_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_login", sa.String(100), nullable=False),
        sa.CheckConstraint(
            "held_to IS NULL OR held_to >= held_from", name=op.f("ck_branch_levels_held_order")
        ),
        sa.CheckConstraint(
            "delisted_on IS NULL OR (held_to IS NOT NULL AND plaque_no IS NOT NULL)",
            name=op.f("ck_branch_levels_delisted_closes_a_plaque"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_units.id"], name=op.f("fk_branch_levels_branch_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch_levels")),
        sa.UniqueConstraint("plaque_no", name=op.f("uq_branch_levels_plaque_no")),
    )
    op.create_index(
        "uq_branch_levels_current",
        "branch_levels",
        ["branch_id"],
        unique=True,
        sqlite_where=sa.text("held_to IS NULL"),
        postgresql_where=sa.text("held_to IS NULL"),
    )
    op.create_index(
        "ix_branch_levels_branch_id_held_from", "branch_levels", ["branch_id", "held_from"]
    )
    op.create_index("ix_branch_levels_held_from_held_to", "branch_levels", ["held_from", "held_to"])
    _backfill()
    _close_only_guards()


def _backfill() -> None:
    org_units = sa.table(
        "org_units",
        sa.column("id"),
        sa.column("kind"),
        sa.column("level"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    branch_levels = sa.table(
        "branch_levels",
        *(sa.column(name) for name in ("branch_id", "level", "held_from", "decided_by")),
        *(sa.column(name) for name in ("reason", "recorded_at", "recorded_by_login")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    day = (
        sa.cast(org_units.c.created_at, sa.Date())
        if postgresql
        else sa.func.date(org_units.c.created_at)
    )
    rows = sa.select(
        org_units.c.id,
        org_units.c.level,
        day,
        sa.literal(BACKFILL_DECISION),
        sa.literal(""),
        org_units.c.created_at,
        sa.literal("migration"),
    ).where(org_units.c.kind == "branch", org_units.c.level.is_not(None))
    op.execute(branch_levels.insert().from_select(list(branch_levels.c), rows))


def _close_only_guards() -> None:
    """Rows are never deleted; the only update closes the current row (held_to, delisted_on)."""
    kept = ("id", "branch_id", "level", "held_from", "decided_by", "cycle", "plaque_no")
    kept += ("reason", "recorded_at", "recorded_by_login")
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in kept)
        op.execute(
            f"""
            CREATE FUNCTION branch_levels_close_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'UPDATE' THEN
                    RAISE EXCEPTION 'branch_levels: rows are never deleted';
                END IF;
                IF OLD.held_to IS NOT NULL OR NEW.held_to IS NULL OR {changed} THEN
                    RAISE EXCEPTION 'branch_levels: only closing the current row is allowed';
                END IF;
                RETURN NEW;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER branch_levels_close_only BEFORE UPDATE OR DELETE ON branch_levels "
            "FOR EACH ROW EXECUTE FUNCTION branch_levels_close_only()"
        )
        op.execute(
            "CREATE TRIGGER branch_levels_no_truncate BEFORE TRUNCATE ON branch_levels "
            "FOR EACH STATEMENT EXECUTE FUNCTION branch_levels_close_only()"
        )
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in kept)
        op.execute(
            "CREATE TRIGGER branch_levels_close_only BEFORE UPDATE ON branch_levels "
            f"WHEN OLD.held_to IS NOT NULL OR NEW.held_to IS NULL OR {changed} "
            "BEGIN SELECT RAISE(ABORT, 'branch_levels: only closing the current row is allowed'); "
            "END"
        )
        op.execute(
            "CREATE TRIGGER branch_levels_no_delete BEFORE DELETE ON branch_levels "
            "BEGIN SELECT RAISE(ABORT, 'branch_levels: rows are never deleted'); END"
        )


def downgrade() -> None:
    op.drop_table("branch_levels")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION branch_levels_close_only()")
