"""The term-expiry alert (procedures.yaml branch_committee_election, step expiry_alert: three
months before ``term_end``): the worker's check starts the election for every branch whose
committee term ends within three months, or has ended, once per term (the business key names the
term's end), so the committee finds 支委会研究换届事宜 in its inbox and the secretary the request
due a month before the term ends (《中国共产党基层组织选举工作条例》第三条: 任期届满按期换届)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date

from sqlalchemy import select

from app.core.commands import CommandContext
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.workflow.instances import start_instance
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance

PROCESS = "branch_committee_election"
ALERT_MONTHS = 3
#: At most this many elections started per run; the rest follow on the next run.
BATCH = 100


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def business_key(term_end: date) -> str:
    return f"换届选举 {term_end.isoformat()}"


def start_due_elections(ctx: CommandContext) -> int:
    """Start the elections now due; returns how many were started."""
    if (
        ctx.session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.process_key == PROCESS).limit(1)
        )
        is None
    ):
        return 0  # not deployed
    horizon = add_months(ctx.today, ALERT_MONTHS)
    due = ctx.session.scalars(
        select(OrgUnit)
        .where(
            OrgUnit.kind == OrgKind.BRANCH,
            OrgUnit.term_end.is_not(None),
            OrgUnit.term_end <= horizon,
        )
        .order_by(OrgUnit.term_end, OrgUnit.id)
    ).all()
    started = set(
        ctx.session.execute(
            select(ProcessInstance.org_unit_id, ProcessInstance.business_key).where(
                ProcessInstance.process_key == PROCESS
            )
        ).all()
    )
    count = 0
    for branch in due:
        key = business_key(branch.term_end)
        if (branch.id, key) in started:
            continue
        if count >= BATCH:
            break
        start_instance(
            ctx,
            process_key=PROCESS,
            org_code=branch.code,
            business_key=key,
            data={
                "term_start": branch.term_start.isoformat() if branch.term_start else None,
                "term_end": branch.term_end.isoformat(),
            },
        )
        count += 1
    return count
