"""Models with a service task, and test actions registered into the app's catalogue."""

from __future__ import annotations

from datetime import date

from app.core.errors import Conflict
from app.core.errors import ValidationFailed
from app.identity.kinds import Level
from app.levels.commands import write_level
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter
from app.workflow.actions import catalogue
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task


def service_task(action: str, params: list[tuple[str, str, str]], result: str = "") -> str:
    body = "".join(
        f'<spiffworkflow:parameter id="{pid}" type="{ptype}" value="{value}"/>'
        for pid, ptype, value in params
    )
    return (
        '<bpmn:serviceTask id="act" name="动作"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{action}" resultVariable="{result}">'
        f"<spiffworkflow:parameters>{body}</spiffworkflow:parameters>"
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"
    )


def acting_model(pid: str, task_xml: str) -> bytes:
    """start → t1 (a person answers) → act (the service task) → end."""
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("t1")
        + task_xml
        + '<bpmn:endEvent id="end"/>'
        + flow("f1", "start", "t1")
        + flow("f2", "t1", "act")
        + flow("f3", "act", "end")
    )
    return document(pid, body, {"branch_secretary": ["start", "t1", "act", "end"]})


def _record_level(call: ActionCall) -> dict:
    """Writes a level of the instance's branch, then refuses when told to."""
    write_level(
        call.ctx,
        branch_code=call.org.code,
        level=Level.STANDARDISED,
        decided_on=date(2026, 3, 1),
        decided_by=f"test action, {call.params['count']} items",
    )
    call.ctx.record("test_action_ran", ("process_instance", call.row.id))
    if call.params.get("refuse") == "conflict":
        raise Conflict("支部已有更新的等级")
    if call.params.get("refuse") == "invalid":
        raise ValidationFailed("数量不对", {"count": "数量不对"})
    return {"written": call.params["count"]}


TEST_ACTION = Action(
    "test_record_level",
    "测试：记录等级",
    "Test: record a level",
    "Writes a level, then refuses when refuse is given.",
    ("等级记录 level history",),
    (
        Parameter("count", "integer", "数量", "count"),
        Parameter("refuse", "string", "拒绝方式", "refusal", required=False),
    ),
    _record_level,
)


def register_test_action() -> None:
    catalogue().register(TEST_ACTION)
