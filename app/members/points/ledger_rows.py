"""The rows of the points ledger (ledgers/points_ledger.json, 积分台账): a branch's members by
points for the year, with the quarters published, the blocks and the year; registered with the
ledger engine as the computed row source ``member_points`` (app/__init__.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.identity.models import OrgUnit
from app.members.points.queries import ranking


def points_rows(session: Session, org: OrgUnit, year: int, today: date) -> list[dict[str, Any]]:
    rows = []
    for ranked in ranking(session, org, year, today):
        points = ranked.points
        rows.append(
            {
                "rank": ranked.rank,
                "person": ranked.person_id,
                **{f"q{q}": points.quarter(q) for q in (1, 2, 3, 4)},
                **points.blocks,
                "total": points.total,
            }
        )
    return rows
