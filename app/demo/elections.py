"""The demo's committee elections (app.branches.election), so that a newcomer meets them with work
waiting:

* the showcase branch's committee term ends in 55 days: the system's alert started the election
  three months before, the committee resolved on it (five seats, the assembly in a month), and
  the request to the unit waits for the secretary (due a month before the term ends);
* at another branch of the showcase unit the discipline member moved away four months ago: the
  post stands vacant longer than the 3 months a by-election allows, so rubric C04 (and the branch
  page) show it, and the committee may start the by-election (支委补选).
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.branches.committee_posts import COMMITTEE_THRESHOLD
from app.branches.committee_posts import full_member_counts
from app.branches.election_alert import PROCESS
from app.branches.election_alert import business_key
from app.core.commands import SYSTEM
from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.identity.commands.members import transfer_member
from app.identity.commands.orgs import OrgDetails
from app.identity.commands.orgs import update_org_unit
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries import active_on
from app.workflow import commands

TERM_LEFT = timedelta(days=55)
VACANT_FOR = timedelta(days=120)
#: Branches whose history the vacancy must not disturb (their rolls in past meetings, the
#: demo's other transfers).
HISTORY_BRANCHES = ("HH01-01", "HH01-02", "HH01-03", "HH01-07", "HH01-08")


def load_elections(code: str, today: date, zone: Any) -> None:
    _election_waiting(code, today, zone)
    _vacant_post(code.rsplit("-", 1)[0], today)


def _election_waiting(code: str, today: date, zone: Any) -> None:
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    term_end = today + TERM_LEFT
    details = OrgDetails(
        branch.name,
        branch.branch_type,
        date(term_end.year - 3, term_end.month, min(term_end.day, 28)),
        term_end,
    )
    run(update_org_unit, actor=SYSTEM, code=code, details=details)
    alerted = today - timedelta(days=34)  # three months before the term ends
    with at_time(moment(alerted, 8, zone)):
        instance_id = run(
            commands.start_instance,
            actor=SYSTEM,
            process_key=PROCESS,
            org_code=code,
            business_key=business_key(term_end),
            data={"term_start": details.term_start.isoformat(), "term_end": term_end.isoformat()},
        )
    resolved = alerted + timedelta(days=6)
    committee = holder("branch_committee", code, resolved)
    when = moment(resolved, 15, zone)
    draft = upload(committee, instance_id, "work_report_draft", "支委会工作报告（稿）.pdf", when)
    resolution = {
        "seats": 5,
        "deputy_seat": False,
        "planned_date": (today + timedelta(days=30)).isoformat(),
        "work_report_draft": draft[0],
    }
    step(committee, instance_id, when, resolution, "committee_resolution")


def _vacant_post(unit_code: str, today: date) -> None:
    """The discipline member of the first committee branch of the unit outside the history moves
    to another such branch four months ago: their posts there end the day before."""
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
    branches = db.session.scalars(
        select(OrgUnit)
        .where(
            OrgUnit.kind == OrgKind.BRANCH,
            OrgUnit.path.startswith(unit.path),
            OrgUnit.code.not_in(HISTORY_BRANCHES),
        )
        .order_by(OrgUnit.code)
    ).all()
    full = full_member_counts(db.session, [b.id for b in branches])
    committees = [b for b in branches if full[b.id] >= COMMITTEE_THRESHOLD + 1]
    if len(committees) < 2:
        return
    left = today - VACANT_FOR
    member = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role_code == "discipline_member",
            RoleAssignment.org_unit_id == committees[0].id,
            active_on(left),
        )
    ).first()
    if member is None or member.person_id is None:
        return
    run(
        transfer_member,
        actor=SYSTEM,
        person_id=member.person_id,
        to_branch_code=committees[1].code,
        effective_on=left,
        reason="工作调动 / moved to another work unit",
    )
