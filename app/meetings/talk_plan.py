"""The year's heart-to-heart talk plan of a branch, computed from its records (支部工作条例第十九条:
委员之间、委员和党员之间、党员和党员之间每年一般不少于1次).

Who talks with whom, on the plan's day:

* the secretary with each other committee member, and the committee members with each other;
* each party member who is not on the committee with one committee member, taken in turn
  (the committee shares the members out, so nobody talks with all of them);
* the members who are not on the committee with each other, each with the next one on the rolls
  (a ring), so every member has a talk with a fellow member.

Talking with every member pair would be n(n-1)/2 talks (435 in a branch of 30): the regulation
asks for talks between these groups, and this covers every person in each of them at least once.
The talker of a pair is the one who holds it: the secretary, then the committee member. A branch
too small for a committee (fewer than 7 full members) has its secretary in the committee's place.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.identity.models import OrgUnit
from app.identity.queries.roles import list_role_holders
from app.workflow.roster import RosterQuestion
from app.workflow.roster import roster_options


def talk_plan(session: Session, branch: OrgUnit, day: date) -> list[dict[str, object]]:
    """The planned talks: ``{talker, talk_partner, kind}`` with person ids, committee first."""
    members = [o.value for o in roster_options(session, RosterQuestion("members", branch, day))]
    committee = [o.value for o in roster_options(session, RosterQuestion("committee", branch, day))]
    secretaries = [
        u.person_id
        for u in list_role_holders(session, "branch_secretary", branch, day)
        if u.person_id in members  # a branch without a committee has its secretary alone
    ]
    return plan_pairs(secretaries[0] if secretaries else None, committee, members)


def plan_pairs(
    secretary: int | None, committee: list[int], members: list[int]
) -> list[dict[str, object]]:
    """The pairs for a secretary, the committee and the party members (committee included)."""
    ordered = ([secretary] if secretary else []) + [p for p in committee if p != secretary]
    pairs: list[dict[str, object]] = []
    for i, talker in enumerate(ordered):
        for partner in ordered[i + 1 :]:
            pairs.append(_pair(talker, partner, "committee"))
    others = [p for p in members if p not in ordered]
    for i, member in enumerate(others):
        if ordered:
            pairs.append(_pair(ordered[i % len(ordered)], member, "committee_member"))
    if len(others) > 1:
        ring = others if len(others) > 2 else others[:1]  # two members: one talk, not two
        for i, member in enumerate(ring):
            pairs.append(_pair(member, others[(i + 1) % len(others)], "members"))
    return pairs


def _pair(talker: object, partner: object, kind: str) -> dict[str, object]:
    return {"talker": talker, "talk_partner": partner, "kind": kind}


def not_covered(members: list[int], talks: list[dict[str, object]]) -> list[int]:
    """The members who had no talk held with them, as talker or partner."""
    talked = {t.get("talker") for t in talks} | {t.get("talk_partner") for t in talks}
    return [p for p in members if p not in talked]
