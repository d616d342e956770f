"""The English of each deployed process version: its name, its documentation and the names of its
elements (step titles, events, gateways), read from the models at deployment for the pages shown
in English; and the English of a notification written as a sentence (reminders, results).

Revision ID: 0025_en_pages_english_names
Revises: 0024_designer_server_drafts
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_en_pages_english_names"
down_revision = "0024_designer_server_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_definitions") as table:
        table.add_column(sa.Column("name_en", sa.String(200), nullable=False, server_default=""))
        table.add_column(sa.Column("description_en", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("names_en_json", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("notifications") as table:
        table.add_column(sa.Column("title_en", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_column("title_en")
    with op.batch_alter_table("process_definitions") as table:
        table.drop_column("names_en_json")
        table.drop_column("description_en")
        table.drop_column("name_en")
