"""A cycle's ``results_application`` ends with its results published (G9): the publication row, and
notifications to the units, whose appraisal the results feed, and to the secretaries of the
branches on the honours priority list. Runs in the transaction that completes the instance
(the service task ``publish_grading_results``, ``app.grading.actions``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.grading.cycle.models import CycleBranch
from app.grading.results.models import ResultsPublication
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.queries.roles import active_on
from app.notify.commands import notify
from app.workflow.models import ProcessInstance

PROCESS_KEY = "results_application"
#: Who hears that the results are out: the units' committees and organisation reviewers.
UNIT_ROLES = ("unit_party_committee", "unit_org_reviewer")


def publish_results(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    cycle_id = data.get("cycle_id")
    offered = {c["value"] for c in data.get("honours_candidates") or [] if isinstance(c, dict)}
    priority = [b for b in data.get("priority") or [] if b in offered]
    if len(priority) != len(data.get("priority") or []):  # the form refuses it; never trust a retry
        raise Conflict(_("The honours priority list may only hold Model and Red-flag branches."))
    if ctx.session.scalar(
        select(ResultsPublication.id).where(ResultsPublication.cycle_id == cycle_id)
    ):
        raise Conflict(_("The results of this cycle have already been published."))
    publication = ResultsPublication(
        cycle_id=cycle_id,
        instance_id=row.id,
        notice_no=str(data.get("notice_no") or ""),
        published_on=date.fromisoformat(str(data.get("published_on"))),
        priority_json=json.dumps(priority),
        application_note=str(data.get("application_note") or ""),
        published_by_login=ctx.actor.login,
        recorded_at=ctx.now,
    )
    ctx.session.add(publication)
    ctx.session.flush()
    year = data.get("cycle_year")
    notify(
        ctx,
        _unit_people(ctx, cycle_id),
        kind="published",
        title=f"{year}年度达标晋级结果已发布（{publication.notice_no}），"
        "请在达标晋级周期页面下载结果运用表，用于本单位党建考核和书记考核评价。",
        title_en=f"The {year} grading results are published ({publication.notice_no}): download"
        " the results table on the grading cycle page for the unit's assessments.",
    )
    notify(
        ctx,
        _secretaries(ctx, priority),
        kind="published",
        title=f"本支部列入{year}年度评先选优优先推荐名单（{publication.notice_no}）。",
        title_en=f"This branch is on the {year} priority list for honours"
        f" ({publication.notice_no}).",
    )
    ctx.record(
        "grading_results_published",
        ("grading_cycle", cycle_id),
        org_unit_id=row.org_unit_id,
        instance_id=row.id,
        notice_no=publication.notice_no,
        priority=priority,
    )


def _unit_people(ctx: CommandContext, cycle_id: int) -> set[int]:
    branches = ctx.session.scalars(
        select(OrgUnit)
        .join(CycleBranch, CycleBranch.branch_id == OrgUnit.id)
        .where(CycleBranch.cycle_id == cycle_id)
    ).all()
    unit_ids = {i for b in branches for i in b.ancestor_ids}
    return _holders(ctx, UNIT_ROLES, unit_ids, OrgKind.UNIT)


def _secretaries(ctx: CommandContext, branch_ids: list[int]) -> set[int]:
    return _holders(ctx, ("branch_secretary",), set(branch_ids), OrgKind.BRANCH)


def _holders(ctx: CommandContext, roles: tuple[str, ...], org_ids: set[int], kind: OrgKind):
    if not org_ids:
        return set()
    return set(
        ctx.session.scalars(
            select(RoleAssignment.user_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(
                RoleAssignment.role_code.in_(roles),
                RoleAssignment.org_unit_id.in_(org_ids),
                OrgUnit.kind == kind,
                active_on(ctx.today),
            )
        )
    )
