"""What a replay's service tasks get instead of running their action again (it would write): the
result the stored state after the step recorded, read back from that state."""

from __future__ import annotations

from typing import Any

from app.engine.runtime import Instance
from app.engine.services import ServiceCall


class RecordedActions:
    """The service caller of a replay: an action is not run again (it would write); the service
    task gets the result the stored state after the step recorded (``None`` when none is)."""

    def __init__(self) -> None:
        self.instance: Instance | None = None
        self.stored_after: dict[str, Any] | None = None

    def __call__(self, call: ServiceCall) -> Any:
        variable = _result_variable(self.instance, call.element_id)
        if variable is None or self.stored_after is None:
            return None
        return _recorded_value(self.stored_after, variable)


def _result_variable(instance: Instance | None, element_id: str | None) -> str | None:
    if instance is None or element_id is None:
        return None
    workflow = instance.workflow
    for spec in (workflow.spec, *workflow.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element_id:
                return getattr(task_spec, "result_variable", None)
    return None


def _recorded_value(state: dict[str, Any], variable: str) -> Any:
    """The latest value of ``variable`` in a stored state: the tasks' data, newest first, then
    the process's own data (a finished process keeps its variables there)."""
    tasks = [*state.get("tasks", {}).values()]
    for sub in state.get("subprocesses", {}).values():
        tasks += sub.get("tasks", {}).values()
    tasks.sort(key=lambda task: task.get("last_state_change") or 0, reverse=True)
    for task in tasks:
        if variable in task.get("data", {}):
            return task["data"][variable]
    return state.get("data", {}).get(variable)
