"""C18 台账资料规范真实完整 (3 points, −0.5 per kind of ledger missing; domain.md §6) measured from
the records of 台账资料管理与年度归档 (processes/branches/records_ledger_archiving.bpmn):

* each ledger the branch's latest self-check of the year marked incomplete is a kind missing;
* the previous year's annual archive counts as one more kind, missing when that year was
  self-checked (the branch kept its ledgers here) but never sealed.

None while the branch recorded no self-check in the year: the branch then scores C18 itself.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from app.ledgers.archive import archived_branches
from app.ledgers.selfcheck import checked_branches
from app.ledgers.selfcheck import latest_checks

C18_PER_MISSING = 0.5


def missing_kinds(session: Session, branch_ids: list[int], year: int) -> dict[int, int | None]:
    """Branch id → kinds of ledger missing in ``year`` (None: no self-check recorded)."""
    latest = latest_checks(session, branch_ids, year)
    kept_before = checked_branches(session, branch_ids, year - 1)
    archived = archived_branches(session, branch_ids, year - 1)
    missing: dict[int, int | None] = {}
    for branch_id in branch_ids:
        check = latest.get(branch_id)
        if check is None:
            missing[branch_id] = None
            continue
        unsealed = branch_id in kept_before and branch_id not in archived
        missing[branch_id] = len(json.loads(check.incomplete_json)) + int(unsealed)
    return missing


def measured_c18(
    session: Session, branch_ids: list[int], year: int, points: float | None
) -> dict[int, float | None]:
    """Branch id → C18 in the rubric's points: the points less 0.5 per kind missing, at least 0."""
    return {
        branch_id: None
        if count is None or points is None
        else round(max(0.0, points - C18_PER_MISSING * count), 2)
        for branch_id, count in missing_kinds(session, branch_ids, year).items()
    }
