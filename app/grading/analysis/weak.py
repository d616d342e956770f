"""软弱涣散 (weak and lax) designations in force: what makes a branch class C whatever its stars
(domain.md §10.2).

A designation counts on day *d* when the company party committee has approved it (``confirmed``
or, once a verified improvement ended it, ``lifted``), it took effect on or before *d*
(``confirmed_on``), *d* is not after ``valid_until``, and it had not ended early by *d*
(``ended_on``). Proposals and withdrawn designations never count. The star ratings and the
dashboard's C-class list (``app.grading.ratings.queries.rated_branches``) read this.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.analysis.models import WeakDesignation

EFFECTIVE_STATUSES = ("confirmed", "lifted")


def in_force(session: Session, branch_ids: Iterable[int], day: date) -> dict[int, WeakDesignation]:
    """Branch id → the designation counting on ``day`` (the one that took effect last)."""
    ids = list(branch_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(WeakDesignation)
        .where(
            WeakDesignation.branch_id.in_(ids),
            WeakDesignation.status.in_(EFFECTIVE_STATUSES),
            WeakDesignation.confirmed_on <= day,
            WeakDesignation.valid_until >= day,
            or_(WeakDesignation.ended_on.is_(None), WeakDesignation.ended_on > day),
        )
        .order_by(WeakDesignation.confirmed_on, WeakDesignation.id)
    )
    return {row.branch_id: row for row in rows}
