"""Whom a people field offers and accepts (``x-people``): computed from the organisation's records
on the meeting's date, never taken from the client.

A committee meeting counts the committee as it stood that day (holders of ``branch_committee``),
the general assembly counts the full members on the rolls that day as voting, and lists
probationary members apart; a party group meeting counts that group's party members. The page's
picker and the server's check both ask ``roster_options``, so what is offered is what is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.formdefs.model import FieldDef
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus
from app.identity.labels import PARTY_STATUS
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.members import roster_on
from app.identity.queries.members import rosters_at
from app.identity.queries.roles import active_on
from app.workflow.form_options import Option
from app.workflow.form_options import members_org

PARTY_MEMBERS = frozenset({PartyStatus.FULL, PartyStatus.PROBATIONARY})
COMMITTEE_ROLE = "branch_committee"


@dataclass(frozen=True)
class RosterQuestion:
    """A people field's rule, at an organisation, on a day (and for a group, which group)."""

    rule: str
    org: OrgUnit
    day: date
    group_id: int | None = None


def question_for(
    f: FieldDef, org: OrgUnit, answers: dict[str, Any], now: datetime
) -> RosterQuestion | None:
    """The roster question ``f`` asks, given the instance's answers so far (None: no rule)."""
    if not f.people:
        return None
    group = answers.get(f.group_from or "")
    return RosterQuestion(
        rule=f.people,
        org=org,
        day=meeting_day(answers.get(f.date_from or ""), now),
        group_id=group if isinstance(group, int) and not isinstance(group, bool) else None,
    )


def meeting_day(value: Any, now: datetime) -> date:
    """The local date an answer names (a date or a date-time), else today's local date."""
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=local_zone())
            return moment.astimezone(local_zone()).date()
        except ValueError:
            pass
    return now.astimezone(local_zone()).date()


def roster_options(session: Session, question: RosterQuestion) -> list[Option]:
    """The people the rule names, by name, with their party status as the detail."""
    branch = members_org(session, question.org)
    if branch.kind is not OrgKind.BRANCH:
        return []  # rolls are kept by branches: a rule has no one to count elsewhere
    roster = roster_on(session, branch.id, question.day)
    chosen = _filter(session, question, branch, roster)
    return [Option(p.id, p.name, str(PARTY_STATUS.get(status, ""))) for p, status in chosen]


def entitled_people(
    session: Session, branch: OrgUnit, questions: Iterable[RosterQuestion]
) -> dict[RosterQuestion, list[int]]:
    """Whom each question's rule named at ``branch`` on its day: those entitled to attend each
    meeting of a year, in four queries however many meetings (the ledgers' attendance)."""
    if branch.kind is not OrgKind.BRANCH:
        return {}
    return entitled_at(session, [q for q in questions if q.org.id == branch.id])


def entitled_at(
    session: Session, questions: Iterable[RosterQuestion]
) -> dict[RosterQuestion, list[int]]:
    """``entitled_people`` for questions at many branches (each at its own ``org``), still in
    four queries: a unit's roll-up of its branches' registers. Questions asked at another kind
    of organisation name no one (rolls are kept by branches)."""
    questions = [q for q in questions if q.org.kind is OrgKind.BRANCH]
    if not questions:
        return {}
    days_of: dict[int, set[date]] = {}
    for q in questions:
        days_of.setdefault(q.org.id, set()).add(q.day)
    rosters = rosters_at(session, days_of)
    terms = _committee_terms(session, list(days_of))
    return {
        q: [
            p.id
            for p, _s in _filter(
                session, q, q.org, rosters[q.org.id, q.day], _seated(terms, q.org.id, q.day)
            )
        ]
        for q in questions
    }


def _filter(
    session: Session,
    question: RosterQuestion,
    branch: OrgUnit,
    roster: list[tuple[Person, PartyStatus | None]],
    committee: set[int] | None = None,
) -> list[tuple[Person, PartyStatus | None]]:
    rule = question.rule
    if rule == "members":
        return [(p, s) for p, s in roster if s in PARTY_MEMBERS]
    if rule == "full_members":
        return [(p, s) for p, s in roster if s is PartyStatus.FULL]
    if rule == "probationary":
        return [(p, s) for p, s in roster if s is PartyStatus.PROBATIONARY]
    if rule == "applicants":
        return [(p, s) for p, s in roster if s is PartyStatus.APPLICANT]
    if rule == "activists":
        return [(p, s) for p, s in roster if s is PartyStatus.ACTIVIST]
    if rule == "targets":
        return [(p, s) for p, s in roster if s is PartyStatus.DEVELOPMENT_TARGET]
    if rule == "non_voting":
        return [(p, s) for p, s in roster if s is not PartyStatus.FULL]
    if rule == "committee":
        if committee is None:
            committee = _committee(session, branch.id, question.day)
        return [(p, s) for p, s in roster if p.id in committee and s in PARTY_MEMBERS]
    if rule == "group":
        return [
            (p, s)
            for p, s in roster
            if s in PARTY_MEMBERS and p.party_group_id == question.group_id
        ]
    raise ValueError(f"unknown people rule {rule!r}")


def _committee(session: Session, branch_id: int, day: date) -> set[int]:
    """The people who held a seat on the branch committee on ``day``."""
    return set(
        session.scalars(
            select(User.person_id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role_code == COMMITTEE_ROLE,
                RoleAssignment.org_unit_id == branch_id,
                User.person_id.is_not(None),
                active_on(day),
            )
        )
    )


def _committee_terms(
    session: Session, branch_ids: list[int]
) -> list[tuple[int, int, date, date | None]]:
    """Every seat ever held on these branches' committees: (branch, person, from, to), revoked
    ones left out."""
    rows = session.execute(
        select(
            RoleAssignment.org_unit_id,
            User.person_id,
            RoleAssignment.valid_from,
            RoleAssignment.valid_to,
        )
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role_code == COMMITTEE_ROLE,
            RoleAssignment.org_unit_id.in_(branch_ids),
            RoleAssignment.revoked_at.is_(None),
            User.person_id.is_not(None),
        )
    )
    return [(r.org_unit_id, r.person_id, r.valid_from, r.valid_to) for r in rows]


def _seated(terms: list[tuple[int, int, date, date | None]], branch_id: int, day: date) -> set[int]:
    """The committee of a branch on ``day``, as ``_committee`` reads it (``active_on``)."""
    return {
        p
        for b, p, start, end in terms
        if b == branch_id and start <= day and (end is None or end >= day)
    }


def refusal(rule: str) -> str:
    """What the server says when someone outside the rule is named."""
    messages = {
        "members": _("Choose party members of this branch."),
        "full_members": _("Only full members of this branch on the meeting date may be chosen."),
        "probationary": _("Only probationary members of this branch may be chosen here."),
        "non_voting": _("Full members vote: record them under those present with a vote."),
        "committee": _("Only members of the branch committee on the meeting date may be chosen."),
        "group": _("Only party members of this party group may be chosen."),
        "applicants": _("Only applicants on the rolls of this branch may be chosen."),
        "activists": _("Only activists on the rolls of this branch may be chosen."),
        "targets": _("Only development targets on the rolls of this branch may be chosen."),
    }
    return messages[rule]
