"""Criterion C15 measured from the records (domain.md §6): 谈心谈话 coverage (3 of its 5 points) and
党务公开 (2), for the self-assessment to start from.

* talks: the share of the branch's members (full and probationary, on the rolls at the year's end
  or today) with at least one talk recorded in the year, as talker or partner (the
  ``heart_to_heart_talks`` talk steps), × 3 — measured once the year's coverage review is done or
  the year passed without it;
* disclosure: 2 less 1 per quarter judged missed without a disclosure posted
  (``party_affairs_disclosure`` on the compliance calendar, app/meetings/schedule.toml), at least 0.

None until the talks are measured: the branch then scores the criterion itself."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from datetime import datetime
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.identity.models import OrgUnit
from app.meetings.actions import TALK_STEP
from app.meetings.compliance import Row
from app.meetings.compliance import row_of
from app.meetings.talk_plan import not_covered
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.roster import RosterQuestion
from app.workflow.roster import roster_options

TALKS = "heart_to_heart_talks"
DISCLOSURE = "party_affairs_disclosure"
#: domain.md §6 C15: the talks' share of the points, and what a missing disclosure costs.
TALK_SHARE = 3 / 5
PER_MISSING_DISCLOSURE = 1.0


def talks_of_year(session: Session, branch_ids: list[int], year: int) -> dict[int, list[dict]]:
    """Branch id → the talks recorded in ``year`` (each talk step's answers)."""
    zone = clock.local_zone()
    since = datetime.combine(date(year, 1, 1), time(), zone)
    until = datetime.combine(date(year + 1, 1, 1), time(), zone)
    rows = session.execute(
        select(ProcessInstance.org_unit_id, StepLogEntry.submitted_json)
        .join(ProcessInstance, ProcessInstance.id == StepLogEntry.instance_id)
        .where(
            ProcessInstance.process_key == TALKS,
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.status != InstanceStatus.CANCELLED,
            StepLogEntry.element_id == TALK_STEP,
            StepLogEntry.action == "task_completed",
            StepLogEntry.submitted_json.is_not(None),
            StepLogEntry.occurred_at >= since,
            StepLogEntry.occurred_at < until,
        )
    )
    talks: dict[int, list[dict]] = defaultdict(list)
    for branch_id, submitted in rows:
        talks[branch_id].append(json.loads(submitted))
    return talks


def _disclosure_part(row: Row | None, points: float) -> float:
    missed = sum(c.state == "missed" for c in row.cells) if row else 0
    return max(0.0, points - PER_MISSING_DISCLOSURE * missed)


def measured_c15(
    session: Session,
    branches: list[OrgUnit],
    year: int,
    today: date,
    rows: dict[int, list[Row]],
    points: float | None,
) -> dict[int, float | None]:
    """Branch id → C15 in ``points`` (the rubric's), or None while the talks' year is open."""
    measured: dict[int, float | None] = {b.id: None for b in branches}
    if points is None:
        return measured
    talks = talks_of_year(session, [b.id for b in branches], year)
    day = min(today, date(year, 12, 31))
    for branch in branches:
        talk_row = row_of(rows[branch.id], TALKS)
        if talk_row is None or not any(c.state in ("held", "missed") for c in talk_row.cells):
            continue
        question = RosterQuestion("members", branch, day)
        members = [o.value for o in roster_options(session, question)]
        missing = not_covered(members, talks.get(branch.id, []))
        coverage = (len(members) - len(missing)) / len(members) if members else 1.0
        talk_points = points * TALK_SHARE
        disclosure = _disclosure_part(row_of(rows[branch.id], DISCLOSURE), points - talk_points)
        measured[branch.id] = round(talk_points * coverage + disclosure, 2)
    return measured


# -- C16: the plan's part --------------------------------------------------------------------------

PLAN = "annual_work_plan_and_summary"
#: What a stage of the year's plan (the plan filed, the half-year review, the summary report)
#: missed on the compliance calendar costs in C16, like an overdue rectification item [proposal].
PER_MISSED_PLAN_STAGE = 1.0


def plan_stages_missed(rows: list[Row]) -> int | None:
    """How many of the year's plan stages the calendar judged missed; None while none is judged
    (held or missed)."""
    judged = [
        c.state
        for r in rows
        if r.requirement.process_key == PLAN
        for c in r.cells
        if c.state in ("held", "missed")
    ]
    return judged.count("missed") if judged else None


def measured_c16(
    points: float | None, findings: int, overdue_deducted: float, plan_missed: int | None
) -> float | None:
    """C16: ``points`` less what the overdue rectification items cost and 1 per plan stage
    missed; None when the branch had no finding and no plan stage was judged."""
    if points is None or (not findings and plan_missed is None):
        return None
    deducted = overdue_deducted + PER_MISSED_PLAN_STAGE * (plan_missed or 0)
    return round(max(0.0, points - deducted), 2)
