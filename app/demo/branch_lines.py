"""The demo's branch building (党支部设立、调整与撤销, 请示报告), through the same commands as the
rest of the demo history (``app.demo.timeline``): a branch of the showcase unit that had a committee
with 7 full members loses one to a sibling branch in a reorganisation ten days ago, so the worker's
check found it below the line the next day and opened the procedure, which waits for the unit's
organisation reviewer's proposal; and the same branch's request to the unit (about its committee)
was discussed and submitted and waits for the unit party committee's reply."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.branches.lines import COMMITTEE_FULL_MEMBERS
from app.branches.lines import MAX_MEMBERS
from app.branches.lines import branch_counts
from app.branches.trigger import check_branch_lines
from app.core.commands import SYSTEM
from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.identity.commands.members import transfer_member
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.roles import active_on

UNIT = "HH01"
#: The unit's branches other demos work at: left as they are.
BUSY = ("HH01-01", "HH01-02", "HH01-03", "HH01-07", "HH01-08")


def load_branch_lines(zone: Any, today: date) -> str | None:
    """Returns the code of the branch across a line (None where the unit has no branch to move)."""
    moved_on = today - timedelta(days=10)
    picked = _branches(moved_on)
    if picked is None:
        return None
    source, target = picked
    person_id = _movable_member(source, moved_on)
    with at_time(moment(moved_on, 9, zone)):
        run(
            transfer_member,
            actor=SYSTEM,
            person_id=person_id,
            to_branch_code=target.code,
            effective_on=moved_on,
            reason=f"机构调整，调入{target.name}",
        )
    with at_time(moment(moved_on + timedelta(days=1), 6, zone)):  # the worker's round
        run(check_branch_lines, actor=SYSTEM)
    _request(source.code, today, zone)
    return source.code


def _branches(day: date) -> tuple[OrgUnit, OrgUnit] | None:
    """The unit's branch with a committee and the fewest full members at the line (7), and the
    sibling with a committee and the most full members, which takes one more without crossing."""
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == UNIT)).one()
    branches = [
        b
        for b in db.session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgKind.BRANCH, OrgUnit.path.like(f"{unit.path}%"))
            .order_by(OrgUnit.code)
        )
        if b.code not in BUSY
    ]
    counts = branch_counts(db.session, [b.id for b in branches], day, {})
    at_line = [
        b
        for b in branches
        if counts[b.id].has_committee and counts[b.id].full_members == COMMITTEE_FULL_MEMBERS
    ]
    roomy = [
        b
        for b in branches
        if counts[b.id].has_committee
        and counts[b.id].full_members > COMMITTEE_FULL_MEMBERS
        and counts[b.id].members < MAX_MEMBERS
    ]
    if not at_line or not roomy:
        return None
    return at_line[0], max(roomy, key=lambda b: (counts[b.id].full_members, b.code))


def _movable_member(branch: OrgUnit, day: date) -> int:
    """A full member who sits on no committee (the committee stays as it is, one short)."""
    committee = set(
        db.session.scalars(
            select(User.person_id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.org_unit_id == branch.id,
                RoleAssignment.role_code == "branch_committee",
                active_on(day),
            )
        )
    )
    full = people("full_members", branch.code, day)
    return next(p for p in reversed(full) if p not in committee)


def _request(code: str, today: date, zone: Any) -> None:
    """The branch asks the unit how to adjust its committee: drafted, discussed, submitted."""
    drafted = today - timedelta(days=6)
    secretary = holder("branch_secretary", code, drafted)
    instance_id = start(secretary, "request_and_report", code, moment(drafted, 9, zone))
    (body,) = upload(
        secretary, instance_id, "body", "关于调整支部委员会的请示.pdf", moment(drafted, 10, zone)
    )
    step(
        secretary,
        instance_id,
        moment(drafted, 11, zone),
        {
            "doc_type": "request",
            "subject": "关于调整支部委员会设置的请示",
            "summary": "因机构调整，本支部正式党员减为6人，拟不再设支部委员会，"
            "设书记、副书记各1名，请上级党委批复。",
            "body": body,
        },
    )
    discussed = drafted + timedelta(days=1)
    step(
        holder("branch_committee", code, discussed),
        instance_id,
        moment(discussed, 15, zone),
        {"meeting_on": discussed.isoformat(), "agreed": True, "opinion": "同意报送上级党委。"},
    )
