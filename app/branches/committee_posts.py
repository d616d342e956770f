"""Which committee posts of a branch are held, and since when one stands vacant, read from the
role assignments (《中国共产党支部工作条例（试行）》: a branch of 7 or more full members elects a
committee — secretary, and organisation, propaganda and discipline members; a smaller branch
elects a secretary). For rubric criteria C01 (a secretary's vacancy over 3 months) and C04 (each
unfilled post), and the by-election's reminder (a vacancy older than 3 months is flagged)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.queries import active_on
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

COMMITTEE_THRESHOLD = 7  # full members from which a branch elects a committee
SECRETARY = "branch_secretary"
COMMITTEE_POSTS = (SECRETARY, "org_member", "propaganda_member", "discipline_member")
ELECTIONS = ("branch_committee_election", "committee_by_election")
#: A vacancy left longer than this is flagged (C01: −2; the by-election is due within 3 months).
VACANCY_MONTHS = 3


def full_member_counts(session: Session, branch_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Person.branch_id, func.count())
        .where(Person.branch_id.in_(branch_ids), Person.party_status == PartyStatus.FULL)
        .group_by(Person.branch_id)
    )
    return dict.fromkeys(branch_ids, 0) | dict(rows.all())


def required_posts(full_members: int) -> tuple[str, ...]:
    return COMMITTEE_POSTS if full_members >= COMMITTEE_THRESHOLD else (SECRETARY,)


def vacancies(
    session: Session, branches: list[OrgUnit], day: date
) -> dict[int, dict[str, date | None]]:
    """Branch id → {post required there and held by no one on ``day``: the first day it stood
    vacant (the day after its last holder's last day; else the term's start, or None)}."""
    ids = [b.id for b in branches]
    full = full_member_counts(session, ids)
    held = set(
        session.execute(
            select(RoleAssignment.org_unit_id, RoleAssignment.role_code).where(
                RoleAssignment.org_unit_id.in_(ids),
                RoleAssignment.role_code.in_(COMMITTEE_POSTS),
                active_on(day),
            )
        ).all()
    )
    last_days = {
        (b, r): last
        for b, r, last in session.execute(
            select(
                RoleAssignment.org_unit_id,
                RoleAssignment.role_code,
                func.max(RoleAssignment.valid_to),
            )
            .where(
                RoleAssignment.org_unit_id.in_(ids),
                RoleAssignment.role_code.in_(COMMITTEE_POSTS),
                RoleAssignment.revoked_at.is_(None),
                RoleAssignment.valid_to < day,
            )
            .group_by(RoleAssignment.org_unit_id, RoleAssignment.role_code)
        ).all()
    }
    result: dict[int, dict[str, date | None]] = {}
    for branch in branches:
        open_posts = [p for p in required_posts(full[branch.id]) if (branch.id, p) not in held]
        result[branch.id] = {
            post: (
                last_days[branch.id, post] + timedelta(days=1)
                if (branch.id, post) in last_days
                else branch.term_start
            )
            for post in open_posts
        }
    return result


def secretaries_elected(session: Session, branch_ids: list[int], day: date) -> dict[int, bool]:
    """Branch id → whether the secretary in post on ``day`` took it when an election or
    by-election of the branch completed (the day its domain action granted the post; a secretary
    chosen again gets a new assignment) — only for branches that completed a full election here:
    before the first, the records cannot say."""
    completed: dict[int, set[date]] = {}
    judged: set[int] = set()
    for branch_id, key, ended in session.execute(
        select(
            ProcessInstance.org_unit_id, ProcessInstance.process_key, ProcessInstance.ended_at
        ).where(
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.process_key.in_(ELECTIONS),
            ProcessInstance.status == InstanceStatus.COMPLETED,
        )
    ):
        if ended is not None:
            completed.setdefault(branch_id, set()).add(ended.date())
            judged |= {branch_id} if key == ELECTIONS[0] else set()
    taken = session.execute(
        select(RoleAssignment.org_unit_id, RoleAssignment.valid_from).where(
            RoleAssignment.org_unit_id.in_(list(judged)),
            RoleAssignment.role_code == SECRETARY,
            active_on(day),
        )
    ).all()
    since = dict(taken)
    # ended_at is UTC; the grant's day is the enterprise's day: a day either side is the same act.
    return {
        b: since.get(b) is not None and any(abs((since[b] - d).days) <= 1 for d in days)
        for b, days in completed.items()
        if b in judged
    }
