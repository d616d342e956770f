"""The member roles follow the party status: once a procedure has changed a person's status (the
admission approved, the conversion, an extended or cancelled probation), the person's user account
holds the one role of the member tiers that status calls for — ``probationary_member`` for a
probationary member, ``member`` for a full member, none after a cancellation — and the others of
``development_target``, ``probationary_member`` and ``member`` end. Without this the new
probationary member kept the development target's inbox and never got the member's tasks until an
administrator noticed.

Read from the record, not from the outcome the diagram took, so that one service task after the
status change serves every outcome (an extension changes nothing). A person without an active user
account has nothing to follow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.identity.commands.roles import end_role_by_procedure
from app.identity.commands.roles import grant_role_by_procedure
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.queries import active_on
from app.identity.queries import get_user_of_person
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

#: The role each status calls for; a status not listed calls for none of them.
ROLE_OF_STATUS = {PartyStatus.PROBATIONARY: "probationary_member", PartyStatus.FULL: "member"}
#: The roles that follow the status (the pipeline's last one and the two member tiers).
FOLLOWING = ("development_target", "probationary_member", "member")


def follow_member_roles(call: ActionCall) -> None:
    session, today = call.ctx.session, call.ctx.today
    person = session.get(Person, call.params["person"])
    user = get_user_of_person(session, person.id) if person is not None else None
    if person is None or user is None or not user.active:
        return
    wanted = ROLE_OF_STATUS.get(person.party_status)
    reason = call.params["reason"]
    held = session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.role_code.in_(FOLLOWING),
            active_on(today),
        )
    ).all()
    keeps = False
    for assignment in held:
        if assignment.role_code == wanted and assignment.org_unit_id == person.branch_id:
            keeps = True
            continue
        end_role_by_procedure(
            call.ctx,
            assignment_id=assignment.id,
            last_day=today - timedelta(days=1),
            reason=reason,
            instance_id=call.row.id,
        )
    if wanted is not None and not keeps:
        grant_role_by_procedure(
            call.ctx,
            org=person.branch,
            user_id=user.id,
            role_code=wanted,
            valid_from=today,
            instance_id=call.row.id,
        )


MEMBER_ROLE_ACTIONS = (
    Action(
        "follow_member_roles",
        "角色随党籍状态调整",
        "Member roles follow the party status",
        "After a status change: the person's user account holds, at their branch from today, the "
        "role their present party status calls for (预备党员 probationary_member, 正式党员 member, "
        "none after a cancellation); their other roles among development_target, "
        "probationary_member and member end yesterday. Nothing for a person without an active "
        "account.",
        ("角色任期 role terms",),
        (
            Parameter("person", "person_id", "党员（人员）", "person"),
            Parameter("reason", "string", "依据或原因", "basis or reason"),
        ),
        follow_member_roles,
    ),
)
