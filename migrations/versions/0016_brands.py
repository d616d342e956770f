"""Party-building brands (党建品牌): the registry and its insert-only stage history.

Revision ID: 0016_brands
Revises: 0015_grading_targets
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_brands"
down_revision = "0015_grading_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "party_brands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("brand_type", sa.String(20), nullable=False),
        sa.Column("named_level", sa.String(10), nullable=True),
        sa.Column("named_on", sa.Date(), nullable=True),
        sa.Column("five_you_score", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "brand_type IN ('star_flag', 'regional_joint', 'party_day', 'own')",
            name=op.f("ck_party_brands_brand_type_values"),
        ),
        sa.CheckConstraint(
            "named_level IS NULL OR named_level IN ('unit', 'company')",
            name=op.f("ck_party_brands_named_level_values"),
        ),
        sa.CheckConstraint(
            "(named_level IS NULL) = (named_on IS NULL)",
            name=op.f("ck_party_brands_named_level_has_a_date"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["org_units.id"], name=op.f("fk_party_brands_branch_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_party_brands_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_brands")),
        sa.UniqueConstraint("branch_id", "name", name=op.f("uq_party_brands_branch_id_name")),
    )
    op.create_table(
        "party_brand_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
        sa.Column("named_level", sa.String(10), nullable=True),
        sa.Column("five_you_score", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stage IN ('registered', 'cultivated', 'named', 'not_named')",
            name=op.f("ck_party_brand_stages_stage_values"),
        ),
        sa.CheckConstraint(
            "named_level IS NULL OR named_level IN ('unit', 'company')",
            name=op.f("ck_party_brand_stages_named_level_values"),
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["party_brands.id"],
            name=op.f("fk_party_brand_stages_brand_id_party_brands"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_party_brand_stages_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_brand_stages")),
    )
    op.create_index(
        "ix_party_brand_stages_brand_id_reached_on",
        "party_brand_stages",
        ["brand_id", "reached_on"],
    )
    _insert_only_guards()


def _insert_only_guards() -> None:
    """A stage once reached is never changed or deleted: the history only grows."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION party_brand_stages_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'party_brand_stages: rows are only ever inserted';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER party_brand_stages_insert_only BEFORE UPDATE OR DELETE "
            "ON party_brand_stages FOR EACH ROW EXECUTE FUNCTION party_brand_stages_insert_only()"
        )
        op.execute(
            "CREATE TRIGGER party_brand_stages_no_truncate BEFORE TRUNCATE ON party_brand_stages "
            "FOR EACH STATEMENT EXECUTE FUNCTION party_brand_stages_insert_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER party_brand_stages_no_update BEFORE UPDATE ON party_brand_stages "
            "BEGIN SELECT RAISE(ABORT, 'party_brand_stages: rows are only ever inserted'); END"
        )
        op.execute(
            "CREATE TRIGGER party_brand_stages_no_delete BEFORE DELETE ON party_brand_stages "
            "BEGIN SELECT RAISE(ABORT, 'party_brand_stages: rows are only ever inserted'); END"
        )


def downgrade() -> None:
    op.drop_index("ix_party_brand_stages_brand_id_reached_on", table_name="party_brand_stages")
    op.drop_table("party_brand_stages")
    op.drop_table("party_brands")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION party_brand_stages_insert_only()")
