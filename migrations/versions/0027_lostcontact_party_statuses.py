"""Two more party statuses: 停止党籍 (``suspended``, a member lost for six months and not
found, 《中国共产党党员教育管理工作条例》第二十四条) and 出党 (``removed``: 除名, 劝退, 自行脱党
除名, 第三十、三十一条). The CHECK constraints that list the statuses are rebuilt to admit them.

Revision ID: 0027_lostcontact_party_statuses
Revises: 0026_designer_flow_forms
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0027_lostcontact_party_statuses"
down_revision = "0026_designer_flow_forms"
branch_labels = None
depends_on = None

OLD = ("applicant", "activist", "development_target", "probationary", "full")
NEW = (*OLD, "suspended", "removed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _rebuild(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint(op.f("ck_people_party_status"), type_="check")
        batch.create_check_constraint("party_status", _in("party_status", values))
    with op.batch_alter_table("party_status_changes") as batch:
        for column in ("from_status", "to_status"):
            batch.drop_constraint(op.f(f"ck_party_status_changes_{column}_values"), type_="check")
            batch.create_check_constraint(f"{column}_values", _in(column, values))


def upgrade() -> None:
    _rebuild(NEW)


def downgrade() -> None:
    _rebuild(OLD)
