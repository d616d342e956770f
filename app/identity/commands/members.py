"""A person's party status and branch change by dated record (domain.md §7; migration 0021).

Each write keeps ``Person.party_status`` / ``Person.branch_id`` as today's value and adds the dated
row that lets ``queries.members`` answer for any day. Called by the domain actions of the member
procedures (``app.members.actions``: a service task, authorised by the process's lanes, passes its
instance id) or by hand by an administrator of the person's branch (no instance id)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus
from app.identity.models import BranchTransfer
from app.identity.models import OrgUnit
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.policy import load_scope
from app.identity.policy import require_administers

#: The one step forward each status allows (《发展党员工作细则》: applicant → activist →
#: development target → probationary member → full member); a probationary member's status may
#: also be recorded again (probation extended, 延长预备期). A full member lost for six months is
#: suspended (停止党籍) and restored when found or removed after two years (《党员教育管理工作
#: 条例》第二十四条); a member persuaded to leave or struck off (劝退, 除名, 第三十一条) is removed.
NEXT = {
    PartyStatus.APPLICANT: {PartyStatus.ACTIVIST},
    PartyStatus.ACTIVIST: {PartyStatus.DEVELOPMENT_TARGET},
    PartyStatus.DEVELOPMENT_TARGET: {PartyStatus.PROBATIONARY},
    # 取消预备党员资格 (细则 第三十三条): out of the party, like a removal
    PartyStatus.PROBATIONARY: {PartyStatus.FULL, PartyStatus.PROBATIONARY, PartyStatus.REMOVED},
    PartyStatus.FULL: {PartyStatus.SUSPENDED, PartyStatus.REMOVED},
    PartyStatus.SUSPENDED: {PartyStatus.FULL, PartyStatus.REMOVED},
    PartyStatus.REMOVED: set(),
}
#: The person's key date each new status sets.
KEY_DATE = {
    PartyStatus.ACTIVIST: "activist_date",
    PartyStatus.DEVELOPMENT_TARGET: "development_target_date",
    PartyStatus.PROBATIONARY: "admission_date",
    PartyStatus.FULL: "full_membership_date",
}


def change_party_status(
    ctx: CommandContext,
    *,
    person_id: int,
    to_status: str,
    effective_on: date,
    reason: str,
    instance_id: int | None = None,
) -> int:
    """Move a person one step along the party statuses from ``effective_on``; the change's id.
    Records ``party_status_changed``."""
    person = _person(ctx, person_id, instance_id)
    reason = _reason(reason, _("The party status was not changed."))
    try:
        target = PartyStatus(to_status)
    except ValueError:
        raise ValidationFailed(
            _("The party status was not changed."), {"to_status": _("Unknown party status.")}
        ) from None
    if target not in NEXT[person.party_status]:
        raise ValidationFailed(
            _("The party status was not changed."),
            {"to_status": _("This status does not follow the person's present one.")},
        )
    _check_date(
        ctx, effective_on, _last_status_day(ctx, person), _("The party status was not changed.")
    )
    change = PartyStatusChange(
        person_id=person.id,
        from_status=person.party_status,
        to_status=target,
        effective_on=effective_on,
        reason=reason,
        recorded_by_user_id=ctx.actor.user_id,
        instance_id=instance_id,
        recorded_at=ctx.now,
    )
    ctx.session.add(change)
    # a restored member keeps the day they became full; suspension and removal have no key date
    restored = person.party_status is PartyStatus.SUSPENDED
    if target is not person.party_status and not restored and target in KEY_DATE:
        setattr(person, KEY_DATE[target], effective_on)
    ended = []
    if target is PartyStatus.REMOVED:  # out of the party: no post or member's role from that day
        last_day = effective_on - timedelta(days=1)
        ended = _end_roles_at(ctx, person, person.branch, last_day, "出党 / left the party")
    person.party_status = target
    ctx.session.flush()
    ctx.record(
        "party_status_changed",
        ("person", person.id),
        org_unit_id=person.branch_id,
        from_status=change.from_status.value,
        to_status=target.value,
        effective_on=effective_on.isoformat(),
        reason=reason,
        instance_id=instance_id,
        **({"roles_ended": ended} if ended else {}),
    )
    return change.id


def transfer_member(
    ctx: CommandContext,
    *,
    person_id: int,
    to_branch_code: str,
    effective_on: date,
    reason: str,
    instance_id: int | None = None,
) -> int:
    """Move a person's membership to another branch from ``effective_on``; the transfer's id. The
    roles the person's account held at the old branch (or its party groups) end the day before.
    Records ``member_transferred``."""
    person = _person(ctx, person_id, instance_id)
    refused = _("The member was not transferred.")
    reason = _reason(reason, refused)
    target = ctx.session.scalars(select(OrgUnit).where(OrgUnit.code == to_branch_code)).first()
    if target is None or target.kind is not OrgKind.BRANCH:
        raise ValidationFailed(refused, {"to_branch": _("Choose a party branch.")})
    if target.id == person.branch_id:
        raise ValidationFailed(refused, {"to_branch": _("The person is a member of this branch.")})
    _check_date(ctx, effective_on, _last_transfer_day(ctx, person), refused)
    old = person.branch
    transfer = BranchTransfer(
        person_id=person.id,
        from_branch_id=old.id,
        to_branch_id=target.id,
        effective_on=effective_on,
        reason=reason,
        recorded_by_user_id=ctx.actor.user_id,
        instance_id=instance_id,
        recorded_at=ctx.now,
    )
    ctx.session.add(transfer)
    ended = _end_roles_at(ctx, person, old, effective_on - timedelta(days=1))
    person.branch_id, person.party_group_id = target.id, None
    ctx.session.flush()
    ctx.record(
        "member_transferred",
        ("person", person.id),
        org_unit_id=old.id,
        from_branch=old.code,
        to_branch=target.code,
        effective_on=effective_on.isoformat(),
        reason=reason,
        roles_ended=ended,
        instance_id=instance_id,
    )
    return transfer.id


def _person(ctx: CommandContext, person_id: int, instance_id: int | None) -> Person:
    person = ctx.session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise NotFound()
    if instance_id is None and ctx.actor.user_id is not None:
        # by hand: an administrator of the person's branch; through a process its lanes decided
        require_administers(
            load_scope(ctx.session, ctx.actor.user_id, ctx.today), person.branch.path
        )
    return person


def _reason(reason: str, refused: str) -> str:
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 500:
        raise ValidationFailed(refused, {"reason": _("Give a reason (2 to 500 characters).")})
    return reason


def _check_date(ctx: CommandContext, day: date, not_before: date | None, refused: str) -> None:
    """Not in the future, and not before the person's last recorded change of the same kind:
    history is added to at its end, never rewritten."""
    if day > ctx.today:
        raise ValidationFailed(refused, {"effective_on": _("The date is in the future.")})
    if not_before is not None and day < not_before:
        raise ValidationFailed(
            refused, {"effective_on": _("The date is before the last recorded change.")}
        )


def _last_status_day(ctx: CommandContext, person: Person) -> date | None:
    recorded = ctx.session.scalar(
        select(PartyStatusChange.effective_on)
        .where(PartyStatusChange.person_id == person.id)
        .order_by(PartyStatusChange.effective_on.desc())
        .limit(1)
    )
    key_dates = [getattr(person, name) for name in KEY_DATE.values()]
    return max([d for d in (recorded, *key_dates) if d is not None], default=None)


def _last_transfer_day(ctx: CommandContext, person: Person) -> date | None:
    return ctx.session.scalar(
        select(BranchTransfer.effective_on)
        .where(BranchTransfer.person_id == person.id)
        .order_by(BranchTransfer.effective_on.desc())
        .limit(1)
    )


def _end_roles_at(
    ctx: CommandContext,
    person: Person,
    branch: OrgUnit,
    last_day: date,
    why: str = "组织关系转出 / transferred to another branch",
) -> list[str]:
    """End the roles the person's account holds at ``branch`` or below on ``last_day``."""
    user = ctx.session.scalars(select(User).where(User.person_id == person.id)).first()
    if user is None:
        return []
    ended = []
    for held in ctx.session.scalars(
        select(RoleAssignment)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.revoked_at.is_(None),
            OrgUnit.path.startswith(branch.path),
        )
    ):
        if held.valid_to is not None and held.valid_to <= last_day:
            continue
        if held.valid_from > last_day:  # granted after the transfer took effect: it never held
            held.revoked_at, held.revoked_by_user_id = ctx.now, ctx.actor.user_id
            held.revoke_reason = why
        else:
            held.valid_to = last_day
        ended.append(held.role_code)
    return ended
