"""支部书记抓党建工作述职评议 (secretary_annual_report_appraisal): the secretary's yearly report,
the members' evaluation poll and the grade the unit's party committee decides — 好, 较好, 一般 or
差 (SECRETARY-REVIEW [S]). The records are the instances' answers (``year`` of the notice,
``final_grade`` and ``decided_on`` of the decision); no table of their own.

* ``count_secretary_poll`` (after the count): the poll's grade — most votes, a tie the lower —
  refusing more ballots than members present at the session (the attendance, whose entitled
  members are the branch's full members on the session's day, from the rolls) and more votes than
  ballots;
* ``record_secretary_grade`` (after the decision): the grade of the secretary who held the post on
  the day, their criterion points, and a notification to them;
* ``measured_c03``: rubric criterion C03 from the grade of the year (else of the year before: the
  appraisal of a year is held in its last quarter or early in the next).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.branches.instance_answers import answered
from app.core.errors import ValidationFailed
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.roles import active_on
from app.notify.commands import notify
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

PROCESS_KEY = "secretary_annual_report_appraisal"
#: The grades from best to worst, with their Chinese names and criterion C03's points
#: (domain.md §6: 好5 / 较好4 / 一般2 / 差0, of the criterion's 5).
GRADES = ("good", "fairly_good", "average", "poor")
GRADE_ZH = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"}
GRADE_EN = {"good": "good", "fairly_good": "fairly good", "average": "average", "poor": "poor"}
C03_POINTS = {"good": 5.0, "fairly_good": 4.0, "average": 2.0, "poor": 0.0}
C03_FULL = 5.0


def poll_grade(present: int, ballots_cast: int, votes: dict[str, int]) -> str:
    """The grade with most votes (a tie: the lower), once the count is plausible."""
    if ballots_cast > present:
        message = _("More ballots than members present (%(n)s).", n=present)
        raise ValidationFailed(message, {"ballots_cast": message})
    if sum(votes.values()) > ballots_cast:
        message = _("More votes than ballots cast.")
        raise ValidationFailed(message, {"good": message})
    most = max(votes.values())
    return [g for g in GRADES if votes[g] == most][-1]


def _count(call: ActionCall) -> str:
    attendance = call.data.get("attendance") or {}
    votes = {g: int(call.data.get(g) or 0) for g in GRADES}
    return poll_grade(
        len(attendance.get("present") or []), int(call.data.get("ballots_cast") or 0), votes
    )


def _record(call: ActionCall) -> dict[str, Any]:
    grade = call.params["grade"]
    if grade not in GRADES:
        message = _("Choose one of the four grades.")
        raise ValidationFailed(message, {"final_grade": message})
    day = date.fromisoformat(call.params["decided_on"])
    holders = call.ctx.session.execute(
        select(User.id, User.person_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role_code == "branch_secretary",
            RoleAssignment.org_unit_id == call.org.id,
            active_on(day),
        )
        .order_by(RoleAssignment.valid_from.desc(), User.id)
    ).all()
    notify(
        call.ctx,
        [user for user, _person in holders],
        kind="published",
        title=f"{call.params['year']}年度抓党建工作述职评议等次：{GRADE_ZH[grade]}",
        title_en=f"Your {call.params['year']} party-building report was graded {GRADE_EN[grade]}",
        instance_id=call.row.id,
    )
    return {
        "year": call.params["year"],
        "grade": grade,
        "secretary": holders[0][1] if holders else None,
        "points": C03_POINTS[grade],
        "decided_on": day.isoformat(),
    }


def grades_of(session: Session, branch_ids: list[int]) -> dict[int, dict[int, str]]:
    """Branch id → year reported on → the grade decided (the latest appraisal of that year)."""
    grades: dict[int, dict[int, str]] = {b: {} for b in branch_ids}
    for found in answered(session, branch_ids, PROCESS_KEY):
        year, grade = found.answers.get("year"), found.answers.get("final_grade")
        if isinstance(year, int) and grade in GRADES:
            grades[found.org_unit_id][year] = grade
    return grades


def measured_c03(
    session: Session, branch_ids: list[int], year: int, points: float | None
) -> dict[int, float | None]:
    """Criterion C03 (domain.md §6): 好5 / 较好4 / 一般2 / 差0 (in the rubric's points) for the
    grade of ``year``'s report, else of the year before's; None when neither was graded."""
    measured: dict[int, float | None] = dict.fromkeys(branch_ids)
    if points is None:
        return measured
    for branch_id, by_year in grades_of(session, branch_ids).items():
        grade = by_year.get(year) or by_year.get(year - 1)
        if grade is not None:
            measured[branch_id] = round(points * C03_POINTS[grade] / C03_FULL, 2)
    return measured


ACTIONS = (
    Action(
        "count_secretary_poll",
        "统计述职民主测评",
        "Count the secretary's evaluation poll",
        "From the count and the session's attendance: the grade with most votes (a tie: the "
        "lower); refused when more ballots were cast than full members were present or more "
        "votes counted than ballots. Returns the grade; writes nothing outside the instance.",
        ("测评等次（实例数据） poll grade (the instance's data)",),
        (),
        _count,
    ),
    Action(
        "record_secretary_grade",
        "记录述职评议等次",
        "Record the secretary's grade",
        "Records the grade the unit's party committee decided for the year's report (好/较好/一般/"
        "差), with the secretary who held the post on the day and criterion C03's points, and "
        "tells the secretary. Returns {year, grade, secretary, points, decided_on}.",
        ("书记述职评议材料 secretary report file", "通知 notification"),
        (
            Parameter("year", "integer", "述职年度", "year reported on"),
            Parameter("grade", "string", "确定等次", "grade decided"),
            Parameter("decided_on", "date", "确定日期", "decided on"),
        ),
        _record,
    ),
)
