"""Criteria the system can measure from the procedures' own records (domain.md §5 G3: "mostly
auto-filled from procedure records"). The self-assessment starts from these values, and the branch
may change them only with a reason (``x-measuredBy`` in forms/gc_self_assessment.json).

* C05 支委会 monthly: the criterion's points less 0.5 per month judged missed (domain.md §6; a
  meeting without a quorum cannot be recorded, so its −1 never applies);
* C11 一带二: the points × the share of full members mentoring someone in the year, less 1 without
  a confirmed model post (``members.pairing``; None while the branch has no pairing that year);
* C12 三会一课: each meeting's points pro rata to the periods held (``meetings.compliance``);
* C13 主题党日 monthly: the points less 0.5 per month judged missed (domain.md §6);
* C16 supervision findings closed on time: the points less 1 per rectification step of the year
  (half-year supervision or re-inspection) closed after its deadline or still open past it —
  measured only when the branch had findings to rectify;
* C19 brand: 0 none / 1 registered / 2 cultivated / 3 named (``grading.brands``), in the
  rubric's points.

A few queries for any number of branches: a cycle starts for all of them at once.

A value is None when nothing was measured yet (no period judged, no finding): the form then starts
empty and the branch scores the criterion itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.core import clock
from app.core.commands import CommandContext
from app.grading.brands.queries import brand_stages
from app.grading.supervision import rectifications
from app.identity.models import OrgUnit
from app.meetings.compliance import Row
from app.meetings.compliance import c12_score
from app.meetings.compliance import calendars
from app.meetings.compliance import per_missed_score
from app.meetings.compliance import row_of
from app.meetings.schedule import schedule
from app.members.pairing import measured_c11

COMMITTEE_MEETING = "branch_committee_meeting"
THEMED_PARTY_DAY = "themed_party_day"
C16_PER_OVERDUE_ITEM = 1
BRAND_STAGES = 3
MEASURED = ("C05", "C11", "C12", "C13", "C16", "C19")


def measured_criteria(
    ctx: CommandContext, branches: list[OrgUnit], year: int, rubric: Any
) -> dict[int, dict[str, float | None]]:
    """Branch id → ``{"measured_C05": …, "measured_C12": …, …}`` in the rubric's points."""
    points = {c.id: float(c.points) for c in rubric.criteria if c.id in MEASURED}
    rows = calendars(
        ctx.session, branches, year, ctx.today, clock.local_zone(), schedule().meetings
    )
    ids = [b.id for b in branches]
    findings = rectifications.late_in_year(ctx.session, ids, year, ctx.now)
    brands = brand_stages(ctx.session, ids, ctx.today)
    c11 = measured_c11(
        ctx.session, ids, year, min(ctx.today, date(year, 12, 31)), points.get("C11")
    )
    measured: dict[int, dict[str, float | None]] = {}
    for branch in branches:
        total, overdue = findings.get(branch.id, (0, 0))
        values = {
            "C05": per_missed_score(row_of(rows[branch.id], COMMITTEE_MEETING), points.get("C05")),
            "C11": c11[branch.id],
            "C12": _c12(rows[branch.id], points.get("C12")),
            "C13": per_missed_score(row_of(rows[branch.id], THEMED_PARTY_DAY), points.get("C13")),
            "C16": _floor(points.get("C16"), C16_PER_OVERDUE_ITEM * overdue) if total else None,
            "C19": _scaled(brands[branch.id], points.get("C19")),
        }
        measured[branch.id] = {f"measured_{c}": v for c, v in values.items()}
    return measured


def _c12(rows: list[Row], points: float | None) -> float | None:
    judged = c12_score(rows)
    return round(points * judged[0] / judged[1], 2) if judged and points else None


def _floor(points: float | None, deducted: float) -> float | None:
    return None if points is None else round(max(0.0, points - deducted), 2)


def _scaled(stage: int, points: float | None) -> float | None:
    return None if points is None else round(points * stage / BRAND_STAGES, 2)
