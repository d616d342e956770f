"""Keeping an instance's task tree the size of its live work, however many rounds a loop has run.

SpiffWorkflow keeps every task it ever ran: a rework loop adds a chain of tasks per round, so the
stored state, the time to load and save it, and the depth the library can bear (see bounds.py)
grow with the number of rounds. Before each save two kinds of finished task are dropped:

- a dead branch: a subtree in which every task is completed or cancelled, hanging from a completed
  task that also leads on to live work (the branch of a parallel split that has joined, the
  cancelled timer of an event-based gateway or a boundary event, the instances of a finished
  multi-instance task);
- a link of a finished chain: a completed task between a completed parent and a completed child
  is cut out, the child taking its place under the parent.

What stays is the root, every task that is not finished, the completed task just above each of
them (the parallel join reads the parent of each waiting join task), the branches that reached a
join that has not fired yet (it counts them), every task with more than
one child left, the last task the engine ran, and end events (``Instance.finished`` looks for
one). Ancestry among the tasks kept is unchanged, which is what joins and boundary events read.
Every task keeps its own full copy of the data, so nothing of the variables is lost. Call
activities dropped take their finished sub-process with them.

The elements whose tasks were dropped after they completed are remembered in ``visited`` so that
the diagram still marks them as done. A finished instance is left as it is: it grows no more.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.specs.Join import Join

DEAD = TaskState.COMPLETED | TaskState.CANCELLED


def prune(workflow: Any) -> set[str]:
    """Drop dead branches and finished links from ``workflow`` and its sub-processes; return the
    BPMN ids of the completed tasks dropped."""
    if workflow.is_completed():
        return set()
    visited: set[str] = set()
    _prune_tree(workflow, workflow, visited)
    for key in list(workflow.subprocesses):
        tree = workflow.subprocesses.get(key)  # gone when its call activity was dropped above
        if tree is not None:
            _prune_tree(workflow, tree, visited)
    return visited


def _prune_tree(top: Any, tree: Any, visited: set[str]) -> None:
    if tree.is_completed() or tree.last_task is None:
        return
    order = _preorder(tree)
    dead = _dead_subtrees(tree, order)
    for task in order:
        if task.id in tree.tasks and task.id in dead and _dead_hangs_from_live(tree, task, dead):
            _drop_subtree(top, tree, task, visited)
    for task in order:
        if task.id in tree.tasks and _is_finished_link(tree, task):
            _cut_out(top, tree, task, visited)


def _preorder(tree: Any) -> list[Any]:
    """Every task, parents before children (iterative: a tree may be hundreds deep)."""
    ordered, stack = [], [tree.task_tree]
    while stack:
        task = stack.pop()
        ordered.append(task)
        stack.extend(tree.tasks[child] for child in reversed(task._children))
    return ordered


def _dead_subtrees(tree: Any, order: list[Any]) -> set[Any]:
    """Ids of the tasks whose whole subtree is finished and may go (children before parents)."""
    dead: set[Any] = set()
    last = tree.last_task.id
    counting = _joins_still_counting(order)
    for task in reversed(order):
        if (
            task.state & DEAD
            and task.id != last
            and not _is_end_event(task)
            and task.task_spec not in counting
            and all(child in dead for child in task._children)
        ):
            dead.add(task.id)
    return dead


def _joins_still_counting(order: list[Any]) -> set[Any]:
    """The joins a branch waits at. The branches that reached one before are finished (the
    library cancels the waiting join task of a branch when the next one arrives), yet the join
    counts them by that task and its parent, and merges their data from there: dropped, a join
    of three branches or more waited for ever for the first to arrive. Once the join has fired
    no task of it waits, and the spent branches go (a loop's next round must not count them)."""
    return {
        task.task_spec
        for task in order
        if isinstance(task.task_spec, Join) and task.state == TaskState.WAITING
    }


def _dead_hangs_from_live(tree: Any, task: Any, dead: set[Any]) -> bool:
    """A dead subtree goes only from under a completed parent that is not dead itself (a parent
    still leading to live work): the highest dead task on each branch."""
    parent = task.parent
    return parent is not None and parent.state == TaskState.COMPLETED and parent.id not in dead


def _is_finished_link(tree: Any, task: Any) -> bool:
    parent = task.parent
    if (
        parent is None
        or task.state != TaskState.COMPLETED
        or parent.state != TaskState.COMPLETED
        or len(task._children) != 1
        or task.id == tree.last_task.id
        or _is_end_event(task)
    ):
        return False
    return tree.tasks[task._children[0]].state == TaskState.COMPLETED


def _cut_out(top: Any, tree: Any, task: Any, visited: set[str]) -> None:
    (child_id,) = task._children
    parent = task.parent
    parent._children[parent._children.index(task.id)] = child_id
    tree.tasks[child_id]._parent = parent.id
    task._children = []
    _forget(top, tree, task, visited)


def _drop_subtree(top: Any, tree: Any, root: Any, visited: set[str]) -> None:
    root.parent._children.remove(root.id)
    stack = [root]
    while stack:
        task = stack.pop()
        stack.extend(tree.tasks[child] for child in task._children)
        _forget(top, tree, task, visited)


def _forget(top: Any, tree: Any, task: Any, visited: set[str]) -> None:
    if task.id in top.subprocesses:
        top.delete_subprocess(task)
    top.event_manager.remove_task(task)  # finished tasks wait for nothing; this is a safeguard
    del tree.tasks[task.id]
    element = getattr(task.task_spec, "bpmn_id", None)
    if element and task.state == TaskState.COMPLETED:
        visited.add(element)


def _is_end_event(task: Any) -> bool:
    return task.task_spec.__class__.__name__ == "EndEvent"
