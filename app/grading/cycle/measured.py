"""Criteria the system can measure from the procedures' own records (domain.md §5 G3: "mostly
auto-filled from procedure records"). The self-assessment starts from these values, and the branch
may change them only with a reason (``x-measuredBy`` in forms/gc_self_assessment.json).

* C01 书记配备到位 and C04 班子健全、按期换届 from the committee's role assignments and elections
  (``measured_committee``);
* C05 支委会 monthly: the criterion's points less 0.5 per month judged missed (domain.md §6; a
  meeting without a quorum cannot be recorded, so its −1 never applies);
* C08 学时: 5 × the share of the year's members with at least 32 study hours
  (``members.study_hours``: lectures, themed party days, training sessions, approved claims) —
  measured only once the branch has hours recorded in the system;
* C09 member management: the points less 0.5 per member 3 months or more behind with dues at the
  branch's last dues round of the year (``members.dues_records``), measured once a round is
  recorded; less 1 per transfer overdue and per lost-contact member whose search was late
  (``C09_DEDUCTIONS``);
* C10 member development: the points less 2 per procedural defect of the year's development
  (``measured_development``; None while the branch recorded no development step that year);
* C11 一带二: the points × the share of full members mentoring someone in the year, less 1 without
  a confirmed model post (``members.pairing``; None while the branch has no pairing that year);
* C12 三会一课: each meeting's points pro rata to the periods held (``meetings.compliance``);
* C13 主题党日 monthly: the points less 0.5 per month judged missed (domain.md §6);
* C14 组织生活会 (3) + 民主评议党员 (3): each item's half of the points when held in the year, 0
  when the year passed without it (domain.md §6); a held record has every stage (the procedures
  require them), so the −1 per missing stage never applies. None while an item's year is open;
* C15 谈心谈话 coverage (3) and 党务公开 (2): ``measured_plans.measured_c15``;
* C16 supervision findings closed on time: the points less 1 per rectification step of the year
  (half-year supervision or re-inspection) closed after its deadline or still open past it, and
  1 per stage of the year's work plan missed on the calendar (``measured_plans.measured_c16``) —
  measured only when the branch had findings to rectify or a plan stage was judged;
* C18 台账资料: the points less 0.5 per kind of ledger missing, from the ledgers' self-checks and
  the annual archive (``measured_records``; None without a self-check in the year);
* C19 brand: 0 none / 1 registered / 2 cultivated / 3 named (``grading.brands``), in the
  rubric's points;
* C03 述职评议 and C17 阵地建设: ``measured_venue.py``.

A few queries for any number of branches: a cycle starts for all of them at once.

A value is None when nothing was measured yet (no period judged, no finding): the form then starts
empty and the branch scores the criterion itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.core import clock
from app.core.commands import CommandContext
from app.grading.brands.queries import brand_stages
from app.grading.cycle.measured_committee import measured_committee
from app.grading.cycle.measured_development import measured_c10
from app.grading.cycle.measured_plans import measured_c15
from app.grading.cycle.measured_plans import measured_c16
from app.grading.cycle.measured_plans import plan_stages_missed
from app.grading.cycle.measured_records import measured_c18
from app.grading.cycle.measured_venue import measured_report_and_venue
from app.grading.supervision import rectifications
from app.identity.models import OrgUnit
from app.meetings.compliance import Row
from app.meetings.compliance import c12_score
from app.meetings.compliance import calendars
from app.meetings.compliance import per_missed_score
from app.meetings.compliance import row_of
from app.meetings.schedule import schedule
from app.members.dues_records import members_in_arrears
from app.members.lost_contact import unsought_lost_contacts
from app.members.pairing import measured_c11
from app.members.study_hours import shares_reaching
from app.members.transfer_records import overdue_transfers

COMMITTEE_MEETING = "branch_committee_meeting"
THEMED_PARTY_DAY = "themed_party_day"
C16_PER_OVERDUE_ITEM = 1
BRAND_STAGES = 3
C09_PER_MEMBER_IN_ARREARS = 0.5
#: C09's other deductions (domain.md §6): (counter, points per case); a counter is
#: ``f(session, branch_ids, year) -> {branch id: cases}``: −1 per transfer whose member did not
#: report within the letter's validity, −1 per lost-contact member not sought.
C09_DEDUCTIONS: tuple[tuple[Callable[[Session, list[int], int], dict[int, int]], float], ...] = (
    (overdue_transfers, 1.0),
    (unsought_lost_contacts, 1.0),
)
ORGANISATIONAL_LIFE = ("organisational_life_meeting", "democratic_appraisal_of_members")
MEASURED = (
    *("C01", "C03", "C04", "C05", "C08", "C09", "C10", "C11"),
    *("C12", "C13", "C14", "C15", "C16", "C17", "C18", "C19"),
)


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
    study = shares_reaching(ctx.session, ids, year)
    c09 = _c09_deducted(ctx, ids, year)
    c10 = measured_c10(ctx.session, ids, year, points.get("C10"))
    c11 = measured_c11(
        ctx.session, ids, year, min(ctx.today, date(year, 12, 31)), points.get("C11")
    )
    committee = measured_committee(
        ctx.session, branches, min(ctx.today, date(year, 12, 31)), points
    )
    report_and_venue = measured_report_and_venue(ctx.session, ids, year, points)
    c18 = measured_c18(ctx.session, ids, year, points.get("C18"))
    c15 = measured_c15(ctx.session, branches, year, ctx.today, rows, points.get("C15"))
    measured: dict[int, dict[str, float | None]] = {}
    for branch in branches:
        total, overdue = findings.get(branch.id, (0, 0))
        values = {
            **committee[branch.id],
            "C05": per_missed_score(row_of(rows[branch.id], COMMITTEE_MEETING), points.get("C05")),
            "C08": _scaled_share(study[branch.id], points.get("C08")),
            "C09": None if c09[branch.id] is None else _floor(points.get("C09"), c09[branch.id]),
            "C10": c10[branch.id],
            "C11": c11[branch.id],
            "C12": _c12(rows[branch.id], points.get("C12")),
            "C13": per_missed_score(row_of(rows[branch.id], THEMED_PARTY_DAY), points.get("C13")),
            "C14": _c14(rows[branch.id], points.get("C14")),
            "C15": c15[branch.id],
            "C16": measured_c16(
                points.get("C16"),
                total,
                C16_PER_OVERDUE_ITEM * overdue,
                plan_stages_missed(rows[branch.id]),
            ),
            "C18": c18[branch.id],
            "C19": _scaled(brands[branch.id], points.get("C19")),
            **report_and_venue[branch.id],  # C03, C17 (measured_venue.py)
        }
        measured[branch.id] = {f"measured_{c}": v for c, v in values.items()}
    return measured


def _scaled_share(share: float | None, points: float | None) -> float | None:
    return None if share is None or points is None else round(points * share, 2)


def _c09_deducted(ctx: CommandContext, ids: list[int], year: int) -> dict[int, float | None]:
    """Branch id → points C09 loses (None: no dues round recorded in the year, nothing measured)."""
    arrears = members_in_arrears(ctx.session, ids, year)
    deducted = {
        b: None if behind is None else C09_PER_MEMBER_IN_ARREARS * len(behind)
        for b, behind in arrears.items()
    }
    for count, per_case in C09_DEDUCTIONS:
        for branch_id, cases in count(ctx.session, ids, year).items():
            if cases:  # a case measures C09 even in a year without a dues round
                deducted[branch_id] = (deducted.get(branch_id) or 0.0) + per_case * cases
    return deducted


def _c12(rows: list[Row], points: float | None) -> float | None:
    judged = c12_score(rows)
    return round(points * judged[0] / judged[1], 2) if judged and points else None


def _c14(rows: list[Row], points: float | None) -> float | None:
    """Half the points per yearly item held; None unless each is held or its year is missed."""
    states = [[c.state for c in row.cells] for k in ORGANISATIONAL_LIFE if (row := row_of(rows, k))]
    if points is None or len(states) != len(ORGANISATIONAL_LIFE):
        return None
    if any(not ({"held", "missed"} & set(cells)) for cells in states):
        return None
    held = sum("held" in cells for cells in states)
    return round(points * held / len(ORGANISATIONAL_LIFE), 2)


def _floor(points: float | None, deducted: float) -> float | None:
    return None if points is None else round(max(0.0, points - deducted), 2)


def _scaled(stage: int, points: float | None) -> float | None:
    return None if points is None else round(points * stage / BRAND_STAGES, 2)
