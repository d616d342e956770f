"""Moving a running instance onto another version of its process, with SpiffWorkflow's own
diff and migration (``SpiffWorkflow.bpmn.util.diff``).

The library aligns the old version's elements with the new one's by id (then by their place in
the flow), points every task at its element in the new version, and resets the branches of the
open tasks (ready and waiting), so that what lies ahead of them is predicted afresh from the new
version. Task ids stay, so the inbox's rows still name their tasks.

It does not check that the result can run: a task whose element the new version lacks keeps the
old element, and the state could then not even be loaded. ``migrate`` therefore checks after
moving that every task left in the tree — done, open or predicted — stands on an element of the
new version, and names each one that does not (an open task removed in the new version, a
finished step the instance still needs that is gone). With obstacles the instance must be
discarded: the caller moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.bpmn.util.diff import migrate_workflow

from app.engine.runtime import Instance
from app.engine.serializer import SERIALIZER


@dataclass(frozen=True)
class Obstacle:
    element_id: str
    message_en: str
    message_zh: str


@dataclass(frozen=True)
class MovedTask:
    """An open user or manual task, as it stands in the new version."""

    task_id: str
    element_id: str
    old_form_key: str | None
    new_form_key: str | None
    data: dict[str, Any]


@dataclass
class Migration:
    obstacles: list[Obstacle] = field(default_factory=list)
    open_tasks: list[MovedTask] = field(default_factory=list)


def migrate(instance: Instance, specs: tuple[Any, dict[str, Any]]) -> Migration:
    """Move ``instance`` onto ``specs`` in memory; with obstacles, discard the instance."""
    spec, subprocess_specs = specs
    workflow = instance.workflow
    result = Migration()
    old_forms = {
        str(task.id): _form_key(task.task_spec)
        for task in workflow.get_tasks(state=TaskState.READY, manual=True)
    }
    top, sub_diffs = diff_workflow(SERIALIZER.registry, workflow, spec, subprocess_specs)
    result.obstacles += _moved_elsewhere(top, *(d for d in sub_diffs.values() if d is not None))
    with instance.engine_run():  # a timer predicted afresh reads the engine's clock
        migrate_workflow(top, workflow, spec)
        for sub_id, sub_diff in sub_diffs.items():
            sub = workflow.subprocesses[sub_id]
            if sub_diff is None:
                result.obstacles.append(_gone(sub.spec.name, "sub-process", "子流程"))
                continue
            migrate_workflow(sub_diff, sub, subprocess_specs[sub.spec.name])
        workflow.subprocess_specs = subprocess_specs
    result.obstacles += _stranded(workflow, spec, subprocess_specs)
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        result.open_tasks.append(
            MovedTask(
                str(task.id),
                task.task_spec.bpmn_id,
                old_forms.get(str(task.id)),
                _form_key(task.task_spec),
                dict(task.data),
            )
        )
    return result


def _moved_elsewhere(*diffs: Any) -> list[Obstacle]:
    """Open tasks the library would align with a differently named element of the new version
    (by its place in the flow): a renamed or replaced step is another step, with its own form
    and meaning, so an instance waiting there does not move."""
    found = []
    # (tasks predicted ahead of these are dropped and predicted afresh from the new version)
    waiting = TaskState.READY | TaskState.WAITING | TaskState.STARTED
    for diff in diffs:
        for task, new_spec in diff.alignment.items():
            renamed = new_spec is not None and new_spec.name != task.task_spec.name
            if renamed and task.state & waiting:
                element = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
                found.append(_gone(element, "open step", "当前等待的步骤"))
    return found


def _stranded(workflow: Any, spec: Any, subprocess_specs: dict[str, Any]) -> list[Obstacle]:
    """Tasks still standing on an element of the old version (the new one lacks it)."""
    found: dict[str, Obstacle] = {}
    for tree in (workflow, *workflow.subprocesses.values()):
        current = spec if tree is workflow else subprocess_specs.get(tree.spec.name)
        for task in tree.tasks.values():
            name = task.task_spec.name
            if current is not None and current.task_specs.get(name) is task.task_spec:
                continue
            element = getattr(task.task_spec, "bpmn_id", None) or name
            if element in found:
                continue
            state = TaskState.get_name(task.state).lower()
            if task.state & TaskState.FINISHED_MASK:
                found[element] = _gone(element, f"step done ({state})", "已完成的步骤")
            else:
                found[element] = _gone(element, f"step {state}", "当前等待的步骤")
    return list(found.values())


def _gone(element: str, what_en: str, what_zh: str) -> Obstacle:
    return Obstacle(
        element,
        f"{what_en} {element} is not in the new version",
        f"{what_zh} {element} 在新版本中不存在",
    )


def _form_key(task_spec: Any) -> str | None:
    return getattr(task_spec, "extensions", {}).get("properties", {}).get("formKey")
