"""Ledgers: the quarterly self-checks of a branch's ledgers and the sealed annual archives
(台账资料管理与年度归档).

Revision ID: 0030_archive_ledger_archives
Revises: 0029_setup_branch_lines
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_archive_ledger_archives"
down_revision = "0029_setup_branch_lines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_archives",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_unit_id", sa.Integer(), sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=False),
        sa.Column("bundle_size", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("manifest_json", sa.Text(), nullable=False),
        sa.Column("manifest_hash", sa.String(64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("sealed_by_login", sa.String(100), nullable=False),
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instances.id"), nullable=True
        ),
        sa.Column(
            "supersedes_id",
            sa.Integer(),
            sa.ForeignKey("ledger_archives.id"),
            nullable=True,
            unique=True,
        ),
        sa.Column("supersede_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_ledger_archives_org_year", "ledger_archives", ["org_unit_id", "year"])
    op.create_table(
        "ledger_self_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_unit_id", sa.Integer(), sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column(
            "instance_id", sa.Integer(), sa.ForeignKey("process_instances.id"), nullable=True
        ),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_by_login", sa.String(100), nullable=False),
        sa.Column("checks_json", sa.Text(), nullable=False),
        sa.Column("incomplete_json", sa.Text(), nullable=False),
    )
    op.create_index("ix_ledger_self_checks_org_year", "ledger_self_checks", ["org_unit_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_ledger_self_checks_org_year", table_name="ledger_self_checks")
    op.drop_table("ledger_self_checks")
    op.drop_index("ix_ledger_archives_org_year", table_name="ledger_archives")
    op.drop_table("ledger_archives")
