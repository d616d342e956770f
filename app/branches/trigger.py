"""The worker's daily look at every branch's membership (党支部设立、调整与撤销, the trigger):
where a branch has crossed a line of the 支部工作条例 (``app.branches.lines``), open the procedure
``branch_setup_adjustment`` for it — once per branch and crossing, never a second while one is
open — with the counts and the line in its data, and tell the branch secretary. A crossing ends
(``cleared_on``) when the branch is back within the line, so a later crossing opens a new one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.branches.lines import LINES
from app.branches.lines import Counts
from app.branches.lines import branch_counts
from app.branches.lines import describe
from app.branches.lines import lines_crossed
from app.branches.models import BranchLineCrossing
from app.branches.models import BranchOrgDecision
from app.core.commands import CommandContext
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.queries import list_role_holders
from app.notify.commands import notify
from app.workflow.instances import start_instance
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance

PROCESS_KEY = "branch_setup_adjustment"


def check_branch_lines(ctx: CommandContext) -> int:
    """Open the procedure for every new crossing, close the crossings that ended; returns how
    many procedures were opened."""
    deployed = ctx.session.scalar(
        select(ProcessDefinition.id).where(ProcessDefinition.process_key == PROCESS_KEY).limit(1)
    )
    if deployed is None:
        return 0  # not deployed: nothing can be opened, nothing is remembered either
    closed, decided = _decisions(ctx, ctx.today)
    branches = [
        b
        for b in ctx.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH))
        if b.id not in closed
    ]
    counts = branch_counts(ctx.session, [b.id for b in branches], ctx.today, decided)
    open_crossings = {
        (c.branch_id, c.line): c
        for c in ctx.session.scalars(
            select(BranchLineCrossing).where(BranchLineCrossing.cleared_on.is_(None))
        )
    }
    running = _running(ctx)
    opened = 0
    for branch in branches:
        crossed = lines_crossed(counts[branch.id])
        for line in crossed:
            if (branch.id, line) in open_crossings:
                continue
            instance_id = running.get((branch.id, LINES[line].zh))
            if instance_id is None:  # a procedure still open for an earlier crossing serves
                instance_id = _open(ctx, branch, line, counts[branch.id])
                opened += 1
            ctx.session.add(
                BranchLineCrossing(
                    branch_id=branch.id,
                    line=line,
                    full_members=counts[branch.id].full_members,
                    members=counts[branch.id].members,
                    crossed_on=ctx.today,
                    instance_id=instance_id,
                    created_at=ctx.now,
                )
            )
    for (branch_id, line), crossing in open_crossings.items():
        if branch_id not in counts or line not in lines_crossed(counts[branch_id]):
            crossing.cleared_on = ctx.today  # back within the line, or dissolved
    return opened


def _decisions(ctx: CommandContext, day: date) -> tuple[set[int], dict[int, bool]]:
    """The branches dissolved or merged by ``day``, and what the latest decision in force says
    of each branch's committee."""
    closed: set[int] = set()
    committee: dict[int, bool] = {}
    for decision in ctx.session.scalars(
        select(BranchOrgDecision)
        .where(BranchOrgDecision.effective_on <= day)
        .order_by(BranchOrgDecision.effective_on, BranchOrgDecision.id)
    ):
        if decision.closed:
            closed.add(decision.branch_id)
        if decision.has_committee is not None:
            committee[decision.branch_id] = decision.has_committee
    return closed, committee


def _running(ctx: CommandContext) -> dict[tuple[int, str], int]:
    rows = ctx.session.execute(
        select(ProcessInstance.org_unit_id, ProcessInstance.business_key, ProcessInstance.id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(
            ProcessDefinition.process_key == PROCESS_KEY,
            ProcessInstance.status == InstanceStatus.RUNNING,
        )
    )
    return {(org_id, key): instance_id for org_id, key, instance_id in rows}


def _open(ctx: CommandContext, branch: OrgUnit, line: str, counts: Counts) -> int:
    situation, situation_en = describe(line, counts)
    instance_id = start_instance(
        ctx,
        process_key=PROCESS_KEY,
        org_code=branch.code,
        business_key=LINES[line].zh,
        data={
            "reason": LINES[line].reason,
            "line": line,
            "full_members": counts.full_members,
            "members": counts.members,
            "has_committee": counts.has_committee,
            "situation": situation,
            "situation_en": situation_en,
            "branch_name": branch.name,
            "branch_type": branch.branch_type.value if branch.branch_type else None,
        },
    )
    secretaries = list_role_holders(ctx.session, "branch_secretary", branch, ctx.today)
    notify(
        ctx,
        [u.id for u in secretaries],
        kind="reminder",
        title=f"{branch.name}{situation}，已提请上级党委研究设置调整",
        title_en=f"{branch.name}: {situation_en}; the unit's party committee is asked to decide",
        instance_id=instance_id,
    )
    ctx.record(
        "branch_line_crossed",
        ("org_unit", branch.id),
        org_unit_id=branch.id,
        line=line,
        full_members=counts.full_members,
        members=counts.members,
        instance_id=instance_id,
    )
    return instance_id
