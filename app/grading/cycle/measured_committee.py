"""C01 and C04 measured from the committee's records (domain.md §6, A1/A2):

* C01 书记配备到位 (4): −2 when the secretary's post has stood vacant more than 3 months; −2 when
  the secretary in post did not take it through an election or by-election recorded here (judged
  only once the branch has completed one: the records before cannot say). None when neither can
  be judged — the branch scores it itself;
* C04 班子健全、按期换届 (4): −2 when the committee's term has ended without a new election (an
  approved postponement is not recorded here: the branch gives it as the reason to change the
  value); −1 per required post unfilled (secretary, organisation, propaganda, discipline member
  where the branch has 7 full members or more; the secretary alone below). None without a term.

Measured on the cycle's day, or the year's last day if earlier."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.branches.committee_posts import SECRETARY
from app.branches.committee_posts import VACANCY_MONTHS
from app.branches.committee_posts import secretaries_elected
from app.branches.committee_posts import vacancies
from app.branches.election_alert import add_months
from app.identity.models import OrgUnit

VACANCY_DEDUCTION = 2
NOT_ELECTED_DEDUCTION = 2
OVERDUE_DEDUCTION = 2
PER_UNFILLED_POST = 1


def measured_committee(
    session: Session,
    branches: list[OrgUnit],
    day: date,
    points: dict[str, float],
) -> dict[int, dict[str, float | None]]:
    """Branch id → {"C01": …, "C04": …} in the rubric's points (None: not measured)."""
    open_posts = vacancies(session, branches, day)
    elected = secretaries_elected(session, [b.id for b in branches], day)
    result = {}
    for branch in branches:
        vacant = open_posts[branch.id]
        result[branch.id] = {
            "C01": _c01(vacant, elected.get(branch.id), day, points.get("C01")),
            "C04": _c04(branch, vacant, day, points.get("C04")),
        }
    return result


def _c01(
    vacant: dict[str, date | None], elected: bool | None, day: date, points: float | None
) -> float | None:
    if points is None or (SECRETARY not in vacant and elected is None):
        return None
    since = vacant.get(SECRETARY)
    long_vacant = SECRETARY in vacant and (since is None or add_months(since, VACANCY_MONTHS) < day)
    lost = VACANCY_DEDUCTION * long_vacant + NOT_ELECTED_DEDUCTION * (elected is False)
    return max(0.0, points - lost)


def _c04(
    branch: OrgUnit, vacant: dict[str, date | None], day: date, points: float | None
) -> float | None:
    if points is None or branch.term_end is None:
        return None
    overdue = branch.term_end < day
    lost = OVERDUE_DEDUCTION * overdue + PER_UNFILLED_POST * len(vacant)
    return max(0.0, points - lost)
