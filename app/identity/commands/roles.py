"""Granting and revoking roles at organisation nodes.

Two rules from the regulations and the office's practice (issue 17):

* a branch committee post (书记、副书记、组织委员、宣传委员、纪检委员), and a seat on the committee
  (``branch_committee``), is for full party members:
  a user whose person is a probationary member, or not yet a member, on the grant's first day is
  refused (a user without a person, such as an office account, is not judged);
* a post one person holds (the committee posts, the dues clerk, the group leader) that someone
  else already holds there on that day is granted only when the administrator confirms it (the
  handover overlaps, or the other holder is to be revoked next); the grant records who else held it.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity import catalogue
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.policy import SYSTEM_ADMIN
from app.identity.policy import Scope
from app.identity.policy import load_scope
from app.identity.policy import require_administers
from app.identity.policy import sees_person_of
from app.identity.queries import active_on
from app.identity.queries import get_org_by_code
from app.identity.queries import get_user_by_login
from app.identity.queries.members import party_status_on

#: The branch committee's posts: only full party members hold them (支部委员会由正式党员组成).
COMMITTEE_POSTS = frozenset(
    {"branch_secretary", "deputy_secretary", "org_member", "propaganda_member", "discipline_member"}
)
#: Roles on the committee itself (its posts, and the committee as a body): full members only.
FULL_MEMBERS_ONLY = COMMITTEE_POSTS | {"branch_committee"}
#: Posts one person holds at an organisation: a second holder is granted only when confirmed.
SINGLE_POSTS = COMMITTEE_POSTS | {"dues_clerk", "group_leader"}


def grant_role(
    ctx: CommandContext,
    *,
    org_code: str,
    login: str,
    role_code: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
    confirm_other_holder: bool = False,
) -> int:
    """Give a user a role at an organisation node. Records ``role_granted``; returns its id.

    Refused (nothing changed) for a committee post and a grantee who is not a full member on
    ``valid_from``, and for a single post someone else holds then unless ``confirm_other_holder``.
    """
    today = ctx.today
    org = get_org_by_code(ctx.session, org_code)
    if org is None:
        raise NotFound()
    scope = None  # the system (CLI, demo loader) is not scoped
    if ctx.actor.user_id is not None:
        scope = load_scope(ctx.session, ctx.actor.user_id, today)
        require_administers(scope, org.path)

    valid_from = valid_from or today
    user = _validate_grant(ctx, scope, org, login, role_code, valid_from, valid_to)
    others = _other_holders(ctx, user.id, role_code, org.id, valid_from)
    if others and not confirm_other_holder:
        raise ValidationFailed(
            _("The role was not granted."),
            {
                "confirm_other_holder": _(
                    "%(names)s already holds this role here on %(day)s. Confirm to grant it "
                    "anyway, or revoke the other holder first.",
                    names="、".join(u.display_name for u in others),
                    day=valid_from.isoformat(),
                )
            },
        )
    return _add_assignment(ctx, user, role_code, org, valid_from, valid_to, others=others)


def _add_assignment(
    ctx: CommandContext,
    user: User,
    role_code: str,
    org: OrgUnit,
    valid_from: date,
    valid_to: date | None,
    *,
    others: list[User],
    instance_id: int | None = None,
) -> int:
    """The grant itself, once its rules are checked: the assignment and its ``role_granted``
    event (naming the procedure's instance when a procedure decided it)."""
    assignment = RoleAssignment(
        user_id=user.id,
        role_code=role_code,
        org_unit_id=org.id,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by_user_id=ctx.actor.user_id,
        granted_at=ctx.now,
    )
    ctx.session.add(assignment)
    ctx.session.flush()
    by_procedure = {"instance_id": instance_id} if instance_id is not None else {}
    ctx.record(
        "role_granted",
        ("role_assignment", assignment.id),
        org_unit_id=org.id,
        user_login=user.login,
        role_code=role_code,
        org_code=org.code,
        valid_from=valid_from.isoformat(),
        valid_to=valid_to.isoformat() if valid_to else None,
        other_holders=[u.login for u in others],
        **by_procedure,
    )
    return assignment.id


def _grantee(ctx: CommandContext, scope: Scope | None, login: str) -> User | None:
    """The active user of ``login``, unless the actor cannot see their person: a person of another
    unit gets the answer of a login that does not exist (nor is their name shown once granted)."""
    user = get_user_by_login(ctx.session, login)
    if user is None or not user.active:
        return None
    return user if scope is None or sees_person_of(scope, user) else None


def _validate_grant(
    ctx: CommandContext,
    scope: Scope | None,
    org: OrgUnit,
    login: str,
    role_code: str,
    valid_from: date,
    valid_to: date | None,
) -> User:
    errors: dict[str, str] = {}
    role = catalogue.get_role(role_code)
    if role is None or not role.grantable:
        errors["role_code"] = _("Unknown role.")
    elif org.kind not in role.applies_at:
        errors["role_code"] = _("This role cannot be held at this kind of organisation.")
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("The end date must not be before the start date.")
    user = _grantee(ctx, scope, login)
    if user is None:
        errors["login"] = _("No active user has this login.")
    elif not errors and _holds_already(ctx, user.id, role_code, org.id, valid_from):
        errors["login"] = _("This user already holds this role here.")
    elif not errors and role_code in FULL_MEMBERS_ONLY:
        refusal = _not_full_member(ctx, user, valid_from)
        if refusal:
            errors["login"] = refusal
    if errors or user is None:
        raise ValidationFailed(_("The role was not granted."), errors)
    return user


def _not_full_member(ctx: CommandContext, user: User, day: date) -> str | None:
    """Why ``user`` may not sit on a branch committee on ``day`` (None: they may)."""
    if user.person_id is None:
        return None
    person = ctx.session.get(Person, user.person_id)
    if person is None:
        return None
    status = party_status_on(ctx.session, person, day)
    if status is PartyStatus.FULL or _full_without_its_date(ctx, person, status, day):
        return None
    if status is PartyStatus.PROBATIONARY:
        return _(
            "%(name)s is a probationary member on %(day)s: a probationary member cannot hold a "
            "branch committee post.",
            name=person.name,
            day=day.isoformat(),
        )
    return _(
        "%(name)s is not a full party member on %(day)s: only full members hold a branch "
        "committee post.",
        name=person.name,
        day=day.isoformat(),
    )


def _full_without_its_date(
    ctx: CommandContext, person: Person, status: PartyStatus | None, day: date
) -> bool:
    """A person recorded as a full member whose date of becoming full was never entered reads as
    probationary from their admission on: without a recorded change after ``day`` nothing shows
    they were still probationary then, so the grant is not refused on that reading."""
    if not (
        status is PartyStatus.PROBATIONARY
        and person.party_status is PartyStatus.FULL
        and person.full_membership_date is None
    ):
        return False
    later = select(PartyStatusChange.id).where(
        PartyStatusChange.person_id == person.id, PartyStatusChange.effective_on > day
    )
    return ctx.session.scalar(later.limit(1)) is None


def _other_holders(
    ctx: CommandContext, user_id: int, role_code: str, org_id: int, day: date
) -> list[User]:
    """Who else holds ``role_code`` at the organisation on ``day``, for a single post."""
    if role_code not in SINGLE_POSTS:
        return []
    return list(
        ctx.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role_code == role_code,
                RoleAssignment.org_unit_id == org_id,
                RoleAssignment.user_id != user_id,
                User.active.is_(True),
                active_on(day),
            )
            .order_by(User.display_name)
        )
    )


def _holds_already(
    ctx: CommandContext, user_id: int, role_code: str, org_id: int, day: date
) -> bool:
    return (
        ctx.session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == user_id,
                RoleAssignment.role_code == role_code,
                RoleAssignment.org_unit_id == org_id,
                active_on(day),
            )
        )
        is not None
    )


def revoke_role(ctx: CommandContext, *, assignment_id: int, reason: str) -> str:
    """End a role assignment now, keeping it in the history. Records ``role_revoked``.

    Returns the code of the organisation node the assignment was at.
    """
    assignment = ctx.session.get(RoleAssignment, assignment_id, with_for_update=True)
    if assignment is None:
        raise NotFound()
    org = assignment.org_unit
    if ctx.actor.user_id is not None:
        require_administers(load_scope(ctx.session, ctx.actor.user_id, ctx.today), org.path)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("The role was not revoked."), {"reason": _("Give a reason.")})
    if len(reason) > 500:
        raise ValidationFailed(
            _("The role was not revoked."), {"reason": _("At most 500 characters.")}
        )
    if assignment.revoked_at is not None:
        raise ValidationFailed(_("This assignment was already revoked."))
    if assignment.role_code == SYSTEM_ADMIN and _is_last_admin(ctx, assignment.id):
        raise ValidationFailed(_("The last system administrator cannot be revoked."))
    assignment.revoked_at = ctx.now
    assignment.revoked_by_user_id = ctx.actor.user_id
    assignment.revoke_reason = reason
    ctx.record(
        "role_revoked",
        ("role_assignment", assignment.id),
        org_unit_id=org.id,
        user_login=assignment.user.login,
        role_code=assignment.role_code,
        org_code=org.code,
        reason=reason,
    )
    return org.code


def _is_last_admin(ctx: CommandContext, assignment_id: int) -> bool:
    others = ctx.session.scalar(
        select(RoleAssignment.id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role_code == SYSTEM_ADMIN,
            RoleAssignment.id != assignment_id,
            User.active.is_(True),
            active_on(ctx.today),
        )
        .limit(1)
    )
    return others is None


# -- posts changed by a procedure (an election, a by-election) ------------------------------------


def grant_role_by_procedure(
    ctx: CommandContext,
    *,
    org: OrgUnit,
    user_id: int,
    role_code: str,
    valid_from: date,
    instance_id: int,
) -> int:
    """Give a user a role because a procedure decided it (the assembly elected them, the upper
    committee approved): the procedure's steps carried the authority, so no administrator's scope
    is asked; the grant's rules are the same (full members only, a single post held by no one
    else that day — the procedure ends the predecessor's first). Records ``role_granted``."""
    user = ctx.session.get(User, user_id)
    if user is None or not user.active:
        raise ValidationFailed(_("The role was not granted."), {"login": _("No active user.")})
    _validate_grant(ctx, None, org, user.login, role_code, valid_from, None)
    others = _other_holders(ctx, user.id, role_code, org.id, valid_from)
    if others:
        raise ValidationFailed(
            _("The role was not granted."),
            {
                "login": _(
                    "%(names)s still holds this post.",
                    names="、".join(u.display_name for u in others),
                )
            },
        )
    return _add_assignment(
        ctx, user, role_code, org, valid_from, None, others=[], instance_id=instance_id
    )


def end_role_by_procedure(
    ctx: CommandContext, *, assignment_id: int, last_day: date, reason: str, instance_id: int
) -> None:
    """End a role on ``last_day`` because a procedure replaced its holder: unlike a revocation the
    assignment keeps its days, so who held the post on an earlier day still reads from it. Granted
    only after ``last_day``: it never took effect, and is revoked. Records ``role_ended``."""
    held = ctx.session.get(RoleAssignment, assignment_id, with_for_update=True)
    if held is None:
        raise NotFound()
    if held.valid_from > last_day:
        held.revoked_at, held.revoked_by_user_id = ctx.now, ctx.actor.user_id
        held.revoke_reason = reason
    else:
        held.valid_to = last_day if held.valid_to is None else min(held.valid_to, last_day)
    ctx.record(
        "role_ended",
        ("role_assignment", held.id),
        org_unit_id=held.org_unit_id,
        user_login=held.user.login,
        role_code=held.role_code,
        last_day=last_day.isoformat(),
        reason=reason,
        instance_id=instance_id,
    )
