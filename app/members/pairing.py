"""一带二 (domain.md §12 [A; mechanics P]): each full member mentors up to two people — colleagues,
young staff, activists — on a pairing card, records progress each quarter and is evaluated at the
year's end. The pairings are the ``member_mentoring_pairing`` instances' own answers (``mentor``,
``mentees``, ``year``); no table of their own.

* ``issue_pairing_card`` (the service task after the committee pairs): refuses a third mentee for
  a mentor in the same year, counting the pairings still running or completed, and tells the
  mentor the card is issued;
* ``pairing_coverage``: criterion C11's measure, the share of a branch's full members mentoring.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import ValidationFailed
from app.identity.kinds import PartyStatus
from app.identity.models import User
from app.identity.queries.members import rosters_on
from app.members.points import records
from app.notify.commands import notify
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

PAIRING = "member_mentoring_pairing"
CLAIMS = "member_points_management"
MODEL_POST = "model_post"
#: domain.md §12 [P]: "each full member pairs with two people" (configurable here).
MAX_MENTEES = 2
#: domain.md §6 C11 [P]: "−1 if no 示范岗".
C11_NO_MODEL_POST = 1


def mentees_of_year(
    session: Session, org_ids: list[int], year: int, skip_instance: int | None = None
) -> dict[int, set[int]]:
    """Mentor → the people they mentor in ``year`` (pairings running or completed)."""
    found: dict[int, set[int]] = {}
    for pairing in records.instances(session, org_ids, [PAIRING], completed_only=False):
        mentor, mentees = pairing.data.get("mentor"), pairing.data.get("mentees") or []
        if pairing.id == skip_instance or pairing.data.get("year") != year or not mentor:
            continue
        found.setdefault(mentor, set()).update(m for m in mentees if isinstance(m, int))
    return found


def _issue_card(call: ActionCall) -> None:
    mentor, mentees, year = call.params["mentor"], call.params["mentees"], call.params["year"]
    if mentor in mentees:
        raise ValidationFailed(
            _("A member cannot mentor themselves."), {"mentees": _("Choose other people.")}
        )
    branch_id = call.org.id
    already = mentees_of_year(
        call.ctx.session, records.branch_and_groups(call.ctx.session, branch_id), year, call.row.id
    ).get(mentor, set())
    together = already | set(mentees)
    if len(together) > MAX_MENTEES:
        raise ValidationFailed(
            _("A member mentors at most two people a year."),
            {"mentees": _("This member already mentors %(n)s people this year.", n=len(already))},
        )
    user = call.ctx.session.scalar(select(User.id).where(User.person_id == mentor))
    if user is not None:
        notify(
            call.ctx,
            [user],
            kind="published",
            title="联系帮带卡已生成",
            title_en="Your pairing card has been issued",
            instance_id=call.row.id,
        )


def pairing_coverage(
    session: Session, branch_ids: list[int], year: int, day: date
) -> dict[int, float]:
    """Branch id → the share (0–1) of its full members on the rolls on ``day`` who mentor
    someone in ``year``; branches without full members are left out."""
    coverage = {}
    for branch_id in branch_ids:
        roster = rosters_on(session, branch_id, [day])[day]
        full = {p.id for p, s in roster if s is PartyStatus.FULL}
        if not full:
            continue
        mentoring = mentees_of_year(session, records.branch_and_groups(session, branch_id), year)
        coverage[branch_id] = len(full & {m for m, ms in mentoring.items() if ms}) / len(full)
    return coverage


def measured_c11(
    session: Session, branch_ids: list[int], year: int, day: date, points: float | None
) -> dict[int, float | None]:
    """Criterion C11 (domain.md §6 [P]): ``points`` × pairing coverage (at most full marks), less
    1 when no member's model post or area of responsibility was confirmed in the year (a claim of
    ``member_points_management``). None for a branch without any pairing in the year: nothing
    measured yet, the branch scores the criterion itself."""
    measured: dict[int, float | None] = dict.fromkeys(branch_ids)
    if points is None:
        return measured
    coverage = pairing_coverage(session, branch_ids, year, day)
    for branch_id, share in coverage.items():
        orgs = records.branch_and_groups(session, branch_id)
        if not mentees_of_year(session, orgs, year):
            continue
        posts = [
            c
            for c in records.instances(session, orgs, [CLAIMS])
            if c.data.get("item") == MODEL_POST
            and c.data.get("confirmed") is True
            and str(c.data.get("happened_on", "")).startswith(str(year))
        ]
        score = points * min(1.0, share) - (0 if posts else C11_NO_MODEL_POST)
        measured[branch_id] = round(max(0.0, score), 2)
    return measured


ACTIONS = (
    Action(
        "issue_pairing_card",
        "生成联系帮带卡",
        "Issue the pairing card",
        "Issues the 一带二 pairing card of a mentor and their mentees for the year and tells the "
        "mentor; refused when the mentor would mentor more than two people that year (counting "
        "their other pairings) or is among the mentees.",
        ("联系帮带卡 pairing card", "通知 notification"),
        (
            Parameter("mentor", "person_id", "帮带党员", "mentor"),
            Parameter("mentees", "list[person_id]", "帮带对象", "mentees"),
            Parameter("year", "integer", "年度", "year"),
        ),
        _issue_card,
    ),
)
