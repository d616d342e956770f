"""支部年度工作计划与总结 (``annual_work_plan_and_summary``): the branch's plan for a year, built
around the target level it declared (G1), adopted by the general assembly, filed with the unit,
reviewed at mid-year and summed up at the year's end. The plans are the instances' own answers
(the start data's ``year``, the assembly's ``tally``, the reviews and the summary); no table of
their own.

* ``check_plan_target`` (after the draft): the plan quotes the level the branch declared (read
  by grading's ``read_declared_target``); any other is refused next to the field;
* ``adopt_work_plan`` (the service task after the assembly's vote): one adopted plan per branch
  and year — a second is refused while another of the same year stands.

Whether each stage was done in time is the compliance calendar's (app/meetings/schedule.toml),
which C16 reads.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.branches import instance_answers as records
from app.core.clock import local_zone
from app.core.errors import ValidationFailed
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

PLAN_PROCESS = "annual_work_plan_and_summary"


def plan_year_of(found: records.Found) -> int:
    """The year a plan is for: its start data's ``year``, else the year it was started in (what
    the model's first script takes)."""
    year = found.data.get("year")
    if isinstance(year, int) and not isinstance(year, bool):
        return year
    return found.started_at.astimezone(local_zone()).year


def _adopted(found: records.Found) -> bool:
    tally = found.data.get("tally")
    return isinstance(tally, dict) and tally.get("passed") is True


def _adopt(call: ActionCall) -> str:
    """Refuse a second plan for the year; the day the plan was adopted (ISO)."""
    year = call.params["year"]
    others = [
        f
        for f in records.instances(call.ctx.session, [call.org.id], [PLAN_PROCESS], False)
        if f.id != call.row.id and plan_year_of(f) == year and _adopted(f)
    ]
    if others:
        raise ValidationFailed(
            _("The branch already adopted its work plan for %(year)s.", year=year),
            {"tally": _("Revise the adopted plan (#%(id)s) instead.", id=others[0].id)},
        )
    return call.ctx.today.isoformat()


def _check_target(call: ActionCall) -> None:
    declared = call.params["declared_level"]
    if call.params["target_level"] != declared:
        raise ValidationFailed(
            _("The plan quotes the target the branch declared for the year."),
            {"target_level": _("Keep the declared target; to change it, declare again first.")},
        )


PLAN_ACTIONS = (
    Action(
        "check_plan_target",
        "核对计划引用的创建目标",
        "Check the plan's target",
        "Refuses a plan whose target level is not the one the branch declared for the year.",
        ("无（只核对） nothing (a check)",),
        (
            Parameter("target_level", "string", "计划的创建目标", "the plan's target"),
            Parameter("declared_level", "string", "申报的创建目标", "the declared target"),
        ),
        _check_target,
    ),
    Action(
        "adopt_work_plan",
        "登记年度工作计划",
        "Record the adopted annual plan",
        "After the general assembly's vote: refuses a second adopted plan of the branch for the "
        "same year; returns the day the plan was adopted.",
        ("年度工作计划（实例数据） the adopted plan (the instance's data)",),
        (
            Parameter("year", "integer", "计划年度", "plan year"),
            Parameter("target_level", "string", "创建目标等级", "target level"),
        ),
        _adopt,
    ),
)
