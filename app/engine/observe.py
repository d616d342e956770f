"""Watching the engine's own steps (gateways, scripts, service tasks, events) as they run, for a
dry run that reports which path each gateway took and what each step set.

An observer is installed for the duration of a ``with observing(...)`` block in the current
context only; every engine run started meanwhile reports each automatic step it completes as a
``RanElement``. Outside such a block nothing is watched and nothing is paid.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RanElement:
    """One automatic step the engine completed."""

    element_id: str
    name: str | None
    #: The BPMN element's class in SpiffWorkflow (ExclusiveGateway, ServiceTask, EndEvent …).
    kind: str
    lane: str | None
    #: The elements the step led to (for a gateway: the path or paths it took).
    next_elements: tuple[tuple[str, str | None], ...]
    #: Variables the step set (new or changed), by name.
    data_set: dict[str, Any]


Observer = Callable[[RanElement], None]

_observer: ContextVar[Observer | None] = ContextVar("engine_observer", default=None)


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def watched(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """``callback`` (the library's did_complete_task hook), also telling the observer, if any."""
    observer = _observer.get()
    if observer is None:
        return callback

    def both(task: Any) -> None:
        callback(task)
        element = _ran(task)
        if element is not None:
            observer(element)

    return both


def _ran(task: Any) -> RanElement | None:
    spec = task.task_spec
    element_id = getattr(spec, "bpmn_id", None)
    if not element_id:  # the library's own joins and start/end markers
        return None
    before = task.parent.data if task.parent is not None else {}
    return RanElement(
        element_id=element_id,
        name=getattr(spec, "bpmn_name", None),
        kind=spec.__class__.__name__,
        lane=getattr(spec, "lane", None),
        next_elements=tuple(
            (child.task_spec.bpmn_id, getattr(child.task_spec, "bpmn_name", None))
            for child in task.children
            if getattr(child.task_spec, "bpmn_id", None)
        ),
        data_set={k: v for k, v in task.data.items() if k not in before or before[k] != v},
    )
