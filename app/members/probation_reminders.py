"""The worker's reminders of member development (with the meeting schedule's check, app/worker.py):

* a probationary member's year ends within a month: the branch secretary is told once, with the
  day, so that the application, the committee's review and the assembly are prepared in time
  (《中国共产党发展党员工作细则》第三十三条: 预备期满及时讨论);
* the last week of each half-year, a branch with activists or probationary members: the secretary
  is told once that their half-yearly assessment is due (第十二条: 每半年考察一次; the probation's
  quarterly reviews are the conversion procedure's own tasks).

Each reminder is an audit event as well as a notification: the event is what says it was given, so
however many workers run, it is given once."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.clock import local_zone
from app.core.commands import CommandContext
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.identity.queries import list_role_holders
from app.members.probation import probation_end
from app.notify.commands import notify

#: The secretary hears of a probation's end this many days before it.
REMIND_BEFORE = timedelta(days=30)
#: The half-yearly assessment is recalled in the half-year's last days.
HALF_YEAR_LAST_DAYS = 7
PROBATION_EVENT = "probation_end_reminded"
REVIEW_EVENT = "half_yearly_review_reminded"


def remind_development(ctx: CommandContext) -> int:
    """Give the reminders now due; how many were given."""
    return _probation_ends(ctx) + _half_yearly_reviews(ctx)


def _probation_ends(ctx: CommandContext) -> int:
    """Probationary members whose year ends between today and a month from now (an extended
    probation's end is the conversion procedure's task, due from it)."""
    extended = select(PartyStatusChange.person_id).where(
        PartyStatusChange.from_status == PartyStatus.PROBATIONARY,
        PartyStatusChange.to_status == PartyStatus.PROBATIONARY,
    )
    # admitted between a year and a month ago and a year ago, give or take the months' lengths
    people = ctx.session.scalars(
        select(Person).where(
            Person.party_status == PartyStatus.PROBATIONARY,
            Person.admission_date.is_not(None),
            Person.admission_date <= ctx.today - timedelta(days=300),
            Person.id.not_in(extended),
        )
    ).all()
    given = 0
    for person in people:
        end = probation_end(person.admission_date)
        if not ctx.today <= end <= ctx.today + REMIND_BEFORE:
            continue
        if _given(ctx, PROBATION_EVENT, ("person", person.id), since=None):
            continue
        secretaries = list_role_holders(ctx.session, "branch_secretary", person.branch, ctx.today)
        notify(
            ctx,
            [u.id for u in secretaries],
            kind="reminder",
            title=f"预备党员{person.name}的预备期将于 {end} 期满，请及时组织转正",
            title_en=f"The probation of {person.name} ends on {end}: prepare the conversion",
        )
        ctx.record(
            PROBATION_EVENT,
            ("person", person.id),
            org_unit_id=person.branch_id,
            probation_end=end.isoformat(),
        )
        given += 1
    return given


def _half_yearly_reviews(ctx: CommandContext) -> int:
    start, end = _half_year(ctx.today)
    if (end - ctx.today).days >= HALF_YEAR_LAST_DAYS:
        return 0
    counts = dict(
        ctx.session.execute(
            select(Person.branch_id, func.count(Person.id))
            .where(Person.party_status.in_((PartyStatus.ACTIVIST, PartyStatus.PROBATIONARY)))
            .group_by(Person.branch_id)
        ).all()
    )
    since = datetime.combine(start, time(), local_zone())
    given = 0
    for branch in ctx.session.scalars(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH, OrgUnit.id.in_(list(counts)))
    ):
        if _given(ctx, REVIEW_EVENT, ("org_unit", branch.id), since=since):
            continue
        secretaries = list_role_holders(ctx.session, "branch_secretary", branch, ctx.today)
        notify(
            ctx,
            [u.id for u in secretaries],
            kind="reminder",
            title=f"本半年度入党积极分子和预备党员考察（{counts[branch.id]}人）{end} 前完成",
            title_en=f"This half-year's assessment of activists and probationary members "
            f"({counts[branch.id]}) is due by {end}",
        )
        ctx.record(REVIEW_EVENT, ("org_unit", branch.id), org_unit_id=branch.id, due=str(end))
        given += 1
    return given


def _half_year(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def _given(
    ctx: CommandContext, event: str, subject: tuple[str, int], since: datetime | None
) -> bool:
    """Whether the reminder was recorded (committed, or earlier in this command)."""
    if any(
        e.event_type == event and (e.subject_type, e.subject_id) == (subject[0], str(subject[1]))
        for e in ctx.events
    ):
        return True
    query = select(AuditEvent.seq).where(
        AuditEvent.event_type == event,
        AuditEvent.subject_type == subject[0],
        AuditEvent.subject_id == str(subject[1]),
    )
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    return ctx.session.scalar(query.limit(1)) is not None
