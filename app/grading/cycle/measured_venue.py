"""Criteria measured from the branch-building records of the secretary's report and the venue
(domain.md §6), for ``measured.py``'s MEASURED:

* C03 书记述职评议: 好5 / 较好4 / 一般2 / 差0 for the grade the unit's party committee decided on
  the year's report — else on the year before's, since a year's appraisal is held in its last
  quarter or early in the next (``branches.secretary_report``);
* C17 阵地建设: 0.3 per "十有" item and 1 for the "五室一体" home the year's latest verification
  found in place, a check still waiting for rectification included (``branches.venue``).

None while nothing was recorded: the branch scores the criterion itself.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.branches.secretary_report import measured_c03
from app.branches.venue import measured_c17


def measured_report_and_venue(
    session: Session, branch_ids: list[int], year: int, points: dict[str, float]
) -> dict[int, dict[str, float | None]]:
    """Branch id → ``{"C03": …, "C17": …}`` in the rubric's points."""
    c03 = measured_c03(session, branch_ids, year, points.get("C03"))
    c17 = measured_c17(session, branch_ids, year, points.get("C17"))
    return {b: {"C03": c03[b], "C17": c17[b]} for b in branch_ids}
