"""党支部设立、调整与撤销: the domain action that records what the unit's party committee approved,
with its effective date, in the same transaction as the step that carries it out.

Minimal on purpose: the organisation tree is changed only where that is safe — a new branch node
under the unit (设立), the branch's name and type (调整) — through identity's commands, with the
organisation reviewer's own rights. A dissolution or merger is recorded (``closed``, and the
branch merged into), never deleted: its members are moved by the transfer procedure, its records
stay readable. Whether a branch has a committee is what its latest decision says
(``app.branches.lines`` reads it)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.branches.models import BranchOrgDecision
from app.core.errors import ValidationFailed
from app.identity.commands.orgs import OrgDetails
from app.identity.commands.orgs import create_org_unit
from app.identity.commands.orgs import update_org_unit
from app.identity.kinds import BranchType
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

#: The proposal's options (forms/bsa_proposal.json ``change``).
ESTABLISH, SET_UP_COMMITTEE, END_COMMITTEE = "establish", "set_up_committee", "end_committee"
MERGE, DISSOLVE, UPGRADE, KEEP = "merge", "dissolve", "upgrade", "keep"
CHANGES = (ESTABLISH, SET_UP_COMMITTEE, END_COMMITTEE, MERGE, DISSOLVE, UPGRADE, KEEP)
#: What a change says of the branch's committee.
COMMITTEE_AFTER = {SET_UP_COMMITTEE: True, END_COMMITTEE: False}


def _record_change(call: ActionCall) -> None:
    params, org = call.params, call.org
    change = params["change"]
    refused = _("The change was not recorded.")
    if change not in CHANGES:
        raise ValidationFailed(refused, {"change": _("Choose one of the options.")})
    if change != ESTABLISH and change != KEEP and org.kind is not OrgKind.BRANCH:
        raise ValidationFailed(refused, {"change": _("Only a new branch can be set up here.")})
    details = OrgDetails(params["branch_name"], BranchType(params["branch_type"]))
    branch_id, created, merged_into = org.id, None, None
    if change == ESTABLISH:
        created = branch_id = _establish(call, details, refused)
    elif change == MERGE:
        merged_into = _merge_target(call, refused)
    elif org.kind is OrgKind.BRANCH and change not in (DISSOLVE, KEEP):
        # A rename or a new type goes with the adjustment; the committee term stays as it is.
        update_org_unit(
            call.ctx,
            code=org.code,
            details=OrgDetails(details.name, details.branch_type, org.term_start, org.term_end),
        )
    decision = BranchOrgDecision(
        branch_id=branch_id,
        instance_id=call.row.id,
        change=change,
        effective_on=date.fromisoformat(params["effective_on"]),
        decision_no=params["decision_no"],
        has_committee=COMMITTEE_AFTER.get(change),
        closed=change in (MERGE, DISSOLVE),
        merged_into_id=merged_into,
        created_branch_id=created,
        recorded_at=call.ctx.now,
    )
    call.ctx.session.add(decision)
    call.ctx.record(
        "branch_change_recorded",
        ("org_unit", branch_id),
        org_unit_id=branch_id,
        change=change,
        effective_on=params["effective_on"],
        decision_no=params["decision_no"],
        instance_id=call.row.id,
    )


def _establish(call: ActionCall, details: OrgDetails, refused: str) -> int:
    code = str(call.data.get("new_code") or "").strip()
    if not code:
        raise ValidationFailed(refused, {"new_code": _("Give the new branch's code.")})
    parent = call.org if call.org.kind is not OrgKind.BRANCH else call.org.parent
    return create_org_unit(
        call.ctx, parent_code=parent.code, code=code, kind=OrgKind.BRANCH, details=details
    )


def _merge_target(call: ActionCall, refused: str) -> int:
    target = call.data.get("merge_into")
    branch = call.ctx.session.get(OrgUnit, target) if isinstance(target, int) else None
    if branch is None or branch.kind is not OrgKind.BRANCH or branch.id == call.org.id:
        raise ValidationFailed(refused, {"merge_into": _("Choose the branch it joins.")})
    return branch.id


ACTIONS = (
    Action(
        "record_branch_change",
        "记录党支部设置调整",
        "Record the branch's set-up or adjustment",
        "Records the change the unit's party committee approved (set up a branch or a committee, "
        "no committee any more, merge, dissolve, become a general branch, or keep as is) with "
        "its effective date and the approval's number. A new branch is created under the unit "
        "(new_code from the step's answers), an adjusted branch takes the approved name and type; "
        "a merged or dissolved branch is recorded closed, not deleted.",
        ("党支部设置调整决定 branch decisions", "组织树（新设支部、名称和类型） organisation tree"),
        (
            Parameter("change", "string", "调整方式", "change"),
            Parameter("effective_on", "date", "生效日期", "effective date"),
            Parameter("decision_no", "string", "批复文号", "approval number"),
            Parameter("branch_name", "string", "支部名称", "branch name"),
            Parameter("branch_type", "string", "支部类型", "branch type"),
        ),
        _record_change,
    ),
)
