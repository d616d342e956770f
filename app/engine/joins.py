"""Parallel and inclusive joins that merge what each branch changed, not what it carried.

SpiffWorkflow 3.2.0 joins branches by copying each branch's whole data over the next, the branch
that arrives last winning every variable. That is harmless the first time through, when the
branches start from the same data and each sets variables of its own. In a rework loop it is
wrong: each branch carries the previous round's answers, so the branch that did not touch a
variable (the related departments' check) overwrote the new answer of the branch that did (the
unit reviewer's "forward" this round came out as last round's "return", and the reviewed scores
as last round's scores).

Here the join starts from the data at the split the branches have in common and applies, in the
order they arrived, only what each branch changed: a variable set, changed or removed on its way.
When two branches change the same variable, the one that arrived last still wins, as before.

The classes replace the library's in the parser (``BranchFlowParser``) and in the serializer under
the library's own type names, so instances stored before this change load as these classes too.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.default.task_spec import ConditionalGatewayConverter
from SpiffWorkflow.bpmn.serializer.default.task_spec import ParallelGatewayConverter
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway
from SpiffWorkflow.bpmn.specs.defaults import ParallelGateway

_MISSING = object()


def _merge_branches(spec: Any, my_task: Any) -> None:
    """The join's data: the split's, with each branch's changes in the order they arrived."""
    arrived = sorted(
        (
            task
            for task in my_task.workflow.tasks.values()
            if task.task_spec == spec
            and task.has_state(TaskState.FINISHED_MASK)
            and not my_task.is_descendant_of(task)
        ),
        key=lambda task: task.last_state_change,
    )
    ends = [task.parent for task in arrived] + [my_task.parent]
    split = _common_ancestor(ends)
    merged = deepcopy(split.data)
    for end in ends:
        _apply_changes(split.data, end.data, merged)
    for task in arrived:
        # as the library does: a branch reset after it completed must not leave its old tasks
        if task.has_state(TaskState.COMPLETED):
            task._drop_children(force=True)
    my_task.data = merged


def _common_ancestor(ends: list[Any]) -> Any:
    """The nearest task above all ``ends`` (the split they came from; at worst the root)."""
    chain = []
    task = ends[-1]
    while task is not None:
        chain.append(task)
        task = task.parent
    position = {task.id: index for index, task in enumerate(chain)}
    highest = 0
    for end in ends[:-1]:
        task = end
        while task.id not in position:
            task = task.parent
        highest = max(highest, position[task.id])
    return chain[highest]


def _apply_changes(before: dict, after: dict, target: dict) -> None:
    """Apply to ``target`` what differs from ``before`` in ``after``, nested dicts key by key."""
    for key, value in after.items():
        old = before.get(key, _MISSING)
        if old is not _MISSING and old == value:
            continue
        current = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and isinstance(current, dict):
            _apply_changes(old, value, current)
        else:
            target[key] = deepcopy(value)
    for key in before.keys() - after.keys():
        target.pop(key, None)


class BranchChangesParallelGateway(ParallelGateway):
    def _run_hook(self, my_task: Any) -> bool:
        _merge_branches(self, my_task)
        return True


class BranchChangesInclusiveGateway(InclusiveGateway):
    def _run_hook(self, my_task: Any) -> bool:
        # the library's inclusive gateway calls the join's merge by class name and then splits;
        # the split below is its own, unchanged
        _merge_branches(self, my_task)
        matches, defaults = self._get_matching_outputs(my_task)
        if not matches + defaults:
            raise WorkflowTaskException("No conditions satisfied on gateway", task=my_task)
        my_task._sync_children(matches or defaults, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
        return True


#: parser tag → the spec class that replaces the library's
JOIN_CLASSES = {
    "parallelGateway": BranchChangesParallelGateway,
    "inclusiveGateway": BranchChangesInclusiveGateway,
}


def register_join_converters(registry: Any) -> None:
    """Store and restore the joins under the library's type names."""
    ParallelGatewayConverter(BranchChangesParallelGateway, registry, typename="ParallelGateway")
    ConditionalGatewayConverter(
        BranchChangesInclusiveGateway, registry, typename="InclusiveGateway"
    )
