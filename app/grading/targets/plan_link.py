"""The link from a branch's annual work plan (``annual_work_plan_and_summary``, a branch-building
procedure) to the target level it declared for the year (G1, ``branch_target_declaration``).

The branch-building package sits below grading and cannot read the targets, so the plan's model
calls this action, registered with grading's: the declared level (a ``Level`` code), which the
plan's ``target_level`` field is prefilled with and which the plan must quote (the branch
package's ``check_plan_target``). A branch that has not declared yet gets "undeclared", read again
each time the plan comes back for revision."""

from __future__ import annotations

from app.grading.targets.queries import declared_target
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

UNDECLARED = "undeclared"


def declared_level(call: ActionCall) -> str:
    code = declared_target(call.ctx.session, call.row.org_unit_id, call.params["year"])
    return code or UNDECLARED


PLAN_ACTIONS = (
    Action(
        "read_declared_target",
        "读取申报的创建目标",
        "Read the declared target",
        "The level (code) the branch declared as its target for the year (G1), which its annual "
        "work plan quotes; 'undeclared' while the branch has not declared.",
        ("无（只读取） nothing (a reading)",),
        (Parameter("year", "integer", "计划年度", "plan year"),),
        declared_level,
    ),
)
