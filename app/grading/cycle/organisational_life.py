"""Veto V4's measurable part from the meeting records (domain.md §7 V4: "no 三会一课/主题党日 for
≥3 consecutive months"): the longest run of months of the assessed year in which the branch held
no required meeting at all (``meetings.compliance``: a meeting is held when the step recording its
attendance and minutes is completed; party-group meetings count for their branch).

Only months that are over and began after the first of these procedures was in use are judged;
with none judged nothing is measured (None) and the related departments answer V4 themselves.
The other parts of V4 (组织生活会 or 民主评议 not held, a term overdue) stay the departments'
findings: they may turn a measured "no" into "yes", with their reason (forms/gc_veto_check.json).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.core import clock
from app.meetings.compliance import held_days
from app.meetings.compliance import tracked_from
from app.meetings.schedule import Requirement
from app.meetings.schedule import schedule

#: Consecutive months without organisational life that make veto V4.
V4_MONTHS = 3


def judged_months(session: Session, year: int, today: date) -> list[int]:
    """The months of ``year`` that are over and began once meetings could be recorded here."""
    since = [d for r in _life() if (d := tracked_from(session, r.process_key))]
    if not since:
        return []
    first = min(since)
    return [
        m
        for m in range(1, 13)
        if date(year, m, 1) >= first
        and (date(year + 1, 1, 1) if m == 12 else date(year, m + 1, 1)) <= today
    ]


def months_without_life(
    session: Session, branch_ids: list[int], year: int, today: date
) -> dict[int, int | None]:
    """Branch id → the longest run of judged months with no meeting held (None: none judged)."""
    months = judged_months(session, year, today)
    if not months:
        return dict.fromkeys(branch_ids)
    held: dict[int, set[int]] = defaultdict(set)
    for requirement in _life():
        days = held_days(session, requirement, year, clock.local_zone(), branch_ids)
        for branch_id, dates in days.items():
            held[branch_id].update(d.month for d in dates)
    return {branch_id: _longest_gap(months, held[branch_id]) for branch_id in branch_ids}


def _life() -> list[Requirement]:
    """The calendar's procedures that are organisational life (not the monthly dues round)."""
    return [r for r in schedule().meetings if r.organisational_life]


def _longest_gap(months: list[int], held: set[int]) -> int:
    longest = run = 0
    for month in months:  # consecutive: from the first judged month to the last one over
        run = 0 if month in held else run + 1
        longest = max(longest, run)
    return longest


def measured_v4(
    session: Session, branch_ids: list[int], year: int, today: date
) -> dict[int, dict[str, Any]]:
    """Branch id → ``measured_V4`` ("yes"/"no") and ``measured_V4_months``, or both None."""
    gaps = months_without_life(session, branch_ids, year, today)
    return {
        branch_id: {
            "measured_V4": None if gap is None else ("yes" if gap >= V4_MONTHS else "no"),
            "measured_V4_months": gap,
        }
        for branch_id, gap in gaps.items()
    }
