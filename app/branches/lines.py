"""The lines of 《中国共产党支部工作条例（试行）》 a branch's membership may cross, and the counts
they are read from.

第二章 (第五条、第七条): a branch is set up where there are 3 full members or more (below that the
members join a joint branch, or the branch is merged or dissolved); a branch of 7 full members or
more sets up a committee (below 7 it has a secretary and, where needed, a deputy, and no
committee); a branch normally has no more than 50 members (probationary members count), above
that a general branch (党总支) is set up. ``lines_crossed`` is the rule, pure; ``branch_counts``
reads the counts from the roster records on a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.kinds import PartyStatus
from app.identity.models import RoleAssignment
from app.identity.queries.members import rosters_at
from app.identity.queries.roles import active_on

MIN_FULL_MEMBERS = 3
COMMITTEE_FULL_MEMBERS = 7
MAX_MEMBERS = 50
#: Without a committee a branch has a secretary and at most a deputy: three or more people on
#: the branch committee role are a committee.
COMMITTEE_HOLDERS = 3


@dataclass(frozen=True)
class Line:
    key: str
    #: The value of the procedure's ``reason`` option it starts with.
    reason: str
    zh: str
    en: str


LINES: dict[str, Line] = {
    line.key: line
    for line in (
        Line("below_three", "below_three", "正式党员少于3人", "fewer than 3 full members"),
        Line(
            "committee_due",
            "committee_due",
            "正式党员达7人，尚未设立支部委员会",
            "7 full members or more and no branch committee",
        ),
        Line(
            "committee_undue",
            "committee_undue",
            "设有支部委员会，正式党员不足7人",
            "a branch committee with fewer than 7 full members",
        ),
        Line("over_fifty", "over_fifty", "党员超过50人", "more than 50 members"),
    )
}


@dataclass(frozen=True)
class Counts:
    full_members: int
    members: int  # full and probationary
    has_committee: bool


def lines_crossed(counts: Counts) -> tuple[str, ...]:
    """The keys of the lines the branch is across, in ``LINES`` order (none for a branch within
    all of them)."""
    crossed = []
    if counts.full_members < MIN_FULL_MEMBERS:
        crossed.append("below_three")
    if counts.full_members >= COMMITTEE_FULL_MEMBERS and not counts.has_committee:
        crossed.append("committee_due")
    if counts.has_committee and counts.full_members < COMMITTEE_FULL_MEMBERS:
        crossed.append("committee_undue")
    if counts.members > MAX_MEMBERS:
        crossed.append("over_fifty")
    return tuple(crossed)


def describe(key: str, counts: Counts) -> tuple[str, str]:
    """The line and the counts in words, Chinese and English, for the task and the notice."""
    line = LINES[key]
    return (
        f"正式党员{counts.full_members}人，党员{counts.members}人（含预备党员）：{line.zh}",
        f"{counts.full_members} full members, {counts.members} members with probationary "
        f"members: {line.en}",
    )


def branch_counts(
    session: Session, branch_ids: Iterable[int], day: date, decided: dict[int, bool]
) -> dict[int, Counts]:
    """Each branch's counts on ``day`` from the rolls (three queries however many branches) and
    whether it has a committee: as the latest approved decision says (``decided``), else as the
    role records say (three or more people on the branch committee)."""
    branch_ids = list(branch_ids)
    rosters = rosters_at(session, {b: [day] for b in branch_ids})
    holders = dict(
        session.execute(
            select(RoleAssignment.org_unit_id, func.count(func.distinct(RoleAssignment.user_id)))
            .where(
                RoleAssignment.role_code == "branch_committee",
                RoleAssignment.org_unit_id.in_(branch_ids),
                active_on(day),
            )
            .group_by(RoleAssignment.org_unit_id)
        ).all()
    )
    counts = {}
    for branch_id in branch_ids:
        statuses = [status for _person, status in rosters[branch_id, day]]
        full = statuses.count(PartyStatus.FULL)
        committee = decided.get(branch_id, holders.get(branch_id, 0) >= COMMITTEE_HOLDERS)
        counts[branch_id] = Counts(full, full + statuses.count(PartyStatus.PROBATIONARY), committee)
    return counts
