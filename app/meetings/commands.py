"""The schedule check the worker runs: remind a secretary before a period ends without its meeting,
and give them a task when the period ended without it. Each happens once per branch, meeting and
period (``MeetingNotice``), whichever worker gets there first."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core import clock
from app.core.commands import CommandContext
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.queries import list_role_holders
from app.meetings.compliance import branch_facts
from app.meetings.compliance import held_counts
from app.meetings.compliance import judged
from app.meetings.compliance import required_count
from app.meetings.compliance import tracked_from
from app.meetings.models import MeetingNotice
from app.meetings.schedule import Period
from app.meetings.schedule import Requirement
from app.meetings.schedule import due_periods
from app.meetings.schedule import schedule
from app.notify.commands import notify
from app.workflow.english import process_name_en
from app.workflow.instances import start_instance

MISSED_PROCESS = "missed_meeting"
#: At most this many notices per run; the rest follow on the next run.
BATCH = 200


def check_meeting_schedule(ctx: CommandContext) -> int:
    """Issue the reminders and missed-meeting tasks now due; returns how many were issued."""
    plan = schedule()
    zone = clock.local_zone()
    branches = ctx.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH)).all()
    can_assign = tracked_from(ctx.session, MISSED_PROCESS) is not None
    facts = branch_facts(ctx.session)
    issued = 0
    for requirement in plan.meetings:
        since = tracked_from(ctx.session, requirement.process_key)
        if since is None:
            continue  # not deployed: nothing can be held, nothing is asked
        previous, current = due_periods(requirement, ctx.today)
        work = [(previous, "missed")] if can_assign and judged(previous, since) else []
        closing = current is not None and current.end - ctx.today <= timedelta(
            days=plan.remind_days_before_end
        )
        if closing and judged(current, since):
            work.append((current, "reminder"))
        for period, kind in work:
            held = held_counts(ctx.session, requirement, period.start, period.end, zone)
            done = _already(ctx, requirement, period, kind)
            for branch in branches:
                if issued >= BATCH:
                    return issued
                short = held[branch.id] < required_count(requirement, branch.id, facts)
                if short and branch.id not in done:
                    _issue(ctx, branch, requirement, period, kind)
                    issued += 1
    return issued


def _already(ctx: CommandContext, requirement: Requirement, period: Period, kind: str) -> set[int]:
    return set(
        ctx.session.scalars(
            select(MeetingNotice.branch_id).where(
                MeetingNotice.process_key == requirement.process_key,
                MeetingNotice.period_start == period.start,
                MeetingNotice.kind == kind,
            )
        )
    )


def _issue(
    ctx: CommandContext, branch: OrgUnit, requirement: Requirement, period: Period, kind: str
) -> None:
    instance_id = None
    if kind == "missed":
        instance_id = start_instance(
            ctx,
            process_key=MISSED_PROCESS,
            org_code=branch.code,
            business_key=f"{requirement.name} {period.label}",
            data={
                "missed_process_key": requirement.process_key,
                "missed_meeting": requirement.name,
                "missed_period": period.label,
            },
        )
    else:
        secretaries = list_role_holders(ctx.session, "branch_secretary", branch, ctx.today)
        notify(
            ctx,
            [u.id for u in secretaries],
            kind="reminder",
            title=f"{period.label}{requirement.not_held_zh}{requirement.name}"
            f"（{period.last_day} 截止）",
            title_en=f"{_name_en(ctx, requirement)}"
            f" {requirement.not_held_en} for {period.label_en} (due {period.last_day})",
        )
    ctx.session.add(
        MeetingNotice(
            branch_id=branch.id,
            process_key=requirement.process_key,
            period_start=period.start,
            kind=kind,
            instance_id=instance_id,
            created_at=ctx.now,
        )
    )
    ctx.record(
        f"meeting_{kind}_issued",
        ("org_unit", branch.id),
        org_unit_id=branch.id,
        process_key=requirement.process_key,
        period=period.label,
    )


def _name_en(ctx: CommandContext, requirement: Requirement) -> str:
    return (
        requirement.name_en
        or process_name_en(ctx.session, requirement.process_key)
        or requirement.name
    )
