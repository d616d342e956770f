"""C10 member development (domain.md §6: "25 steps compliant, −2 per procedural defect found; −1
plan not met without reason"), measured from the development procedures' records: the criterion's
points less 2 per procedural defect dated in the year (``members.development_checks``: a step out
of order, a step skipped, a deadline missed, a minimum duration not respected), floor 0.

None — the branch scores it itself — where the branch recorded no development step in the year.
The plan's −1 needs the annual development plan, which the records do not hold yet: the branch
deducts it itself, with the reason the form asks for a changed score."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.members.development_defects import defects_in_year

PER_DEFECT = 2.0


def measured_c10(
    session: Session, branch_ids: list[int], year: int, points: float | None
) -> dict[int, float | None]:
    """Branch id → C10 in the rubric's points, or None when nothing was measured."""
    found = defects_in_year(session, branch_ids, year)
    return {
        branch_id: None
        if defects is None or points is None
        else round(max(0.0, points - PER_DEFECT * len(defects)), 2)
        for branch_id, defects in found.items()
    }
