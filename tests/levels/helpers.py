"""Building level histories for the tests through the real command."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.extensions import db
from app.identity.kinds import Level
from app.levels.commands import record_level
from app.levels.models import BranchLevel


def rec(code: str, level: Level, day: date, *, actor: Actor = SYSTEM, **extra) -> int:
    return run(
        record_level,
        actor=actor,
        branch_code=code,
        level=level,
        decided_on=day,
        decided_by=extra.pop("decided_by", f"{day.year}年度 公司党委决定"),
        **extra,
    )


def all_rows() -> list[BranchLevel]:
    db.session.rollback()
    return list(db.session.scalars(select(BranchLevel).order_by(BranchLevel.id)))


def held_on(rows: list[BranchLevel], day: date) -> list[BranchLevel]:
    """Counted by hand from the rows, independently of the queries under test."""
    return [r for r in rows if r.held_from <= day and (r.held_to is None or r.held_to > day)]
