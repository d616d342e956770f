"""Running one process instance in memory: start or load, act, step, dump. No database, no Flask.

The rest of the app sees frozen dataclasses, never SpiffWorkflow objects. Every engine run happens
inside ``_engine_run``: the injected clock is the only time SpiffWorkflow's timers can see, and the
sandbox's time budget covers all scripts of the run. A failing script, condition or decision raises
``EngineFailure``; the caller rolls its transaction back, so the stored state stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine.assignment import data_references
from app.engine.bounds import Bounds as Bounds
from app.engine.bounds import RunawayStopped
from app.engine.bounds import StepCounter
from app.engine.failures import EngineFailure as EngineFailure
from app.engine.failures import describe
from app.engine.failures import element_of
from app.engine.failures import input_refused
from app.engine.multi_instance import DEFAULT_BOUND
from app.engine.observe import watched
from app.engine.pruning import prune
from app.engine.sandbox import Limits
from app.engine.sandbox import SandboxEnvironment
from app.engine.sandbox import sandboxed_script_engine
from app.engine.serializer import AppWorkflow
from app.engine.serializer import convert_event
from app.engine.serializer import dump_instance
from app.engine.serializer import load_instance
from app.engine.serializer import restore_event
from app.engine.services import ServiceCaller

_now: ContextVar[Callable[[], datetime] | None] = ContextVar("engine_clock", default=None)


class _ClockedDatetime(datetime):
    """SpiffWorkflow's timers call ``datetime.now(timezone.utc)``: in an engine run, our clock."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        clock = _now.get()
        value = clock() if clock else datetime.now(UTC)
        return value.astimezone(tz) if tz else value.astimezone(UTC).replace(tzinfo=None)


# SpiffWorkflow 3.2.0 reads time only here (timer.py); the version is pinned in requirements.txt.
spiff_timer.datetime = _ClockedDatetime  # type: ignore[misc]


TIMER_EVENTS = frozenset(
    {"DurationTimerEventDefinition", "TimeDateEventDefinition", "CycleTimerEventDefinition"}
)


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    element_id: str
    title: str
    lane: str | None
    form_key: str | None
    due_in: str | None
    priority: int
    manual: bool
    #: For a correction step: the element whose submission it sends back (``correctionOf``).
    correction_of: str | None = None
    #: ``assigneeFrom`` / ``orgFrom``: the variable named and its value in the task's data.
    assignee_from: str | None = None
    assignee_value: Any = None
    org_from: str | None = None
    org_value: Any = None
    #: Deadline properties (``deadlines.py``): the variable counted from, its value in the task's
    #: data when the task became ready, and ``calendar`` or ``working`` days.
    due_from: str | None = None
    due_anchor: Any = None
    due_calendar: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    name: str
    payload: Any
    correlations: dict[str, Any]
    event_json: str


@dataclass(frozen=True)
class MessageWait:
    name: str
    correlations: dict[str, Any]


class Runtime:
    """What every instance of an app shares: the clock and the sandbox's limits (which carry the
    enterprise's zone), and the time budget of one engine run."""

    def __init__(
        self,
        now: Callable[[], datetime],
        limits: Limits,
        run_budget: float = 10.0,
        bounds: Bounds | None = None,
        multi_instance_bound: int = DEFAULT_BOUND,
    ) -> None:
        self.now, self.limits, self.run_budget = now, limits, run_budget
        self.bounds = bounds or Bounds()
        self.multi_instance_bound = multi_instance_bound

    def _engine(self) -> Any:
        return sandboxed_script_engine(self.now, self.limits, self.run_budget)

    def create(self, specs: tuple[Any, dict[str, Any]], data: dict[str, Any]) -> Instance:
        """A new instance with ``data`` as its first variables; nothing has run yet."""
        spec, subprocess_specs = specs
        workflow = AppWorkflow(spec, subprocess_specs, script_engine=self._engine())
        workflow.multi_instance_bound = self.multi_instance_bound  # read by multi_instance.py
        workflow.task_tree.data.update(data)
        return Instance(workflow, self)

    def start(self, specs: tuple[Any, dict[str, Any]], data: dict[str, Any]) -> Instance:
        instance = self.create(specs, data)
        instance.advance()
        return instance

    def load(self, specs: tuple[Any, dict[str, Any]], state_json: str) -> Instance:
        workflow = load_instance(state_json, *specs)
        workflow.script_engine = self._engine()  # never the library's default: see serializer.py
        workflow.multi_instance_bound = self.multi_instance_bound  # read by multi_instance.py
        return Instance(workflow, self)


class Instance:
    def __init__(self, workflow: AppWorkflow, runtime: Runtime) -> None:
        self.workflow, self.runtime = workflow, runtime
        self._waiting_cache: list[Any] | None = None

    def attach_services(self, caller: ServiceCaller) -> None:
        """Who runs this instance's service tasks for the command at hand (the workflow layer
        attaches its domain actions on every load, so a kept instance never calls a stale one)."""
        environment = self.workflow.script_engine.environment
        if isinstance(environment, SandboxEnvironment):
            environment.service_caller = caller

    @contextmanager
    def _engine_run(self) -> Iterator[None]:
        self._waiting_cache = None  # the engine is about to change state
        token = _now.set(self.runtime.now)
        environment = self.workflow.script_engine.environment
        budget = (
            environment.engine_run() if isinstance(environment, SandboxEnvironment) else _nothing()
        )
        try:
            with budget:
                yield
        except SpiffWorkflowException as failure:
            refused = input_refused(failure)
            if refused is not None:
                raise refused.refusal from failure
            raise EngineFailure(element_of(failure), describe(failure)) from failure
        except Exception as failure:  # a sandbox limit outside a task, a bad timer value …
            raise EngineFailure(None, describe(failure)) from failure
        finally:
            _now.reset(token)

    def engine_run(self) -> AbstractContextManager[None]:
        """The engine's clock and time budget, for work on the workflow outside ``advance`` and
        ``complete`` (a migration predicting the tasks ahead afresh)."""
        return self._engine_run()

    def advance(self) -> None:
        """Run everything the engine can run now: due timers, scripts, gateways, decisions."""
        bounds = self.runtime.bounds
        count = watched(StepCounter(bounds.steps_per_run))
        with self._engine_run():
            self.workflow.refresh_timers()
            for _ in range(50):  # a timer that fires at the end may make more work ready; bounded
                self.workflow.do_engine_steps(did_complete_task=count)  # ends by refreshing timers
                if not self._timer_became_ready():
                    break
            deepest = self._deepest()
            if deepest > bounds.depth:
                raise RunawayStopped(
                    f"the instance's history is {deepest} steps deep, over the bound of"
                    f" {bounds.depth}: end the loop or start a new instance",
                    f"流程实例的历史深度 {deepest} 超过上限 {bounds.depth}，"
                    "请结束循环或另行发起新的实例",
                )

    def _deepest(self) -> int:
        """How deep the task tree has grown where work happened last: the last completed task of
        the process and of each sub-process (a walk up the tree, not over all of it — this runs
        on every step)."""
        workflows = (self.workflow, *self.workflow.subprocesses.values())
        return max((w.last_task.depth for w in workflows if w.last_task is not None), default=0)

    def _timer_became_ready(self) -> bool:
        # Only waiting event tasks can turn READY after do_engine_steps: no need to walk the tree.
        return any(
            task.state == TaskState.READY for task in self.workflow.event_manager.tasks.values()
        )

    def ready_tasks(self) -> list[ReadyTask]:
        tasks = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            properties = getattr(spec, "extensions", {}).get("properties", {})
            tasks.append(
                ReadyTask(
                    task_id=str(task.id),
                    element_id=spec.bpmn_id,
                    title=properties.get("title") or spec.bpmn_name or spec.bpmn_id,
                    lane=spec.lane or _caller_lane(task),
                    form_key=properties.get("formKey"),
                    due_in=properties.get("dueIn"),
                    priority=_int(properties.get("priority"), 50),
                    manual=spec.__class__.__name__ == "ManualTask",
                    correction_of=properties.get("correctionOf"),
                    **data_references(properties, task.data),
                    due_from=properties.get("dueFrom"),
                    due_anchor=task.data.get(properties.get("dueFrom") or ""),
                    due_calendar=properties.get("dueCalendar"),
                )
            )
        return tasks

    def task_data(self, task_id: str) -> dict[str, Any]:
        return dict(self._ready_task(task_id).data)

    def task_property(self, task_id: str, name: str) -> str | None:
        """A ``spiffworkflow:property`` of the ready task's element (e.g. ``notBefore``)."""
        spec = self._ready_task(task_id).task_spec
        return getattr(spec, "extensions", {}).get("properties", {}).get(name)

    def _ready_task(self, task_id: str) -> Any:
        task = self.workflow.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise KeyError(task_id)
        return task

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        task = self._ready_task(task_id)
        with self._engine_run():
            task.set_data(**data)
            task.run()
        self.advance()

    def finished(self) -> bool:
        """Completed means an end event of the top-level process completed — never the library's
        word alone, which past a task-tree depth of 1000 says "completed" when it is not."""
        if not self.workflow.completed and not self.workflow.is_completed():
            return False
        return any(
            task.state == TaskState.COMPLETED and task.task_spec.__class__.__name__ == "EndEvent"
            for task in self.workflow.tasks.values()
        )

    def data(self) -> dict[str, Any]:
        """The variables as of now: the final data when finished, else the latest task's."""
        if self.workflow.data and self.finished():
            return {k: v for k, v in self.workflow.data.items() if k != "data_objects"}
        latest = max(self.workflow.tasks.values(), key=lambda t: t.last_state_change)
        return dict(latest.data)

    def _waiting(self) -> list[Any]:
        # One walk of the tree per engine state (next_timer and message_waits both need it).
        if self._waiting_cache is None:
            self._waiting_cache = _pending_events(self.workflow)
        return self._waiting_cache

    def element_states(self) -> dict[str, str]:
        """Per BPMN element id: "completed" when it ran, "active" when it waits or is ready now."""
        states = dict.fromkeys(getattr(self.workflow, "visited", ()), "completed")
        for task in self.workflow.get_tasks(max_depth=10**6):
            element = getattr(task.task_spec, "bpmn_id", None)
            if not element:
                continue
            if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                states[element] = "active"
            elif task.state == TaskState.COMPLETED and states.get(element) != "active":
                states[element] = "completed"
        return states

    def next_timer(self) -> datetime | None:
        due = []
        for event in self._waiting():
            if event.event_type in TIMER_EVENTS and isinstance(event.value, str):
                try:
                    due.append(datetime.fromisoformat(event.value).astimezone(UTC))
                except ValueError:
                    continue
        return min(due, default=None)

    def message_waits(self) -> list[MessageWait]:
        correlations = dict(self.workflow.correlations)
        return [
            MessageWait(event.name, correlations)
            for event in self._waiting()
            if event.event_type == "MessageEventDefinition"
        ]

    def outgoing_messages(self) -> list[OutgoingMessage]:
        """Messages thrown and not caught inside this instance (drained: call once per save)."""
        return [
            OutgoingMessage(
                event.event_definition.name,
                event.payload,
                dict(event.correlations),
                convert_event(event),
            )
            for event in self.workflow.get_events()
            if event.event_definition.__class__.__name__ == "MessageEventDefinition"
        ]

    def deliver(self, event_json: str) -> bool:
        event = restore_event(event_json)
        if not self.workflow.get_tasks(state=TaskState.WAITING, catches_event=event):
            return False
        with self._engine_run():
            self.workflow.send_event(event)
        self.advance()
        return True

    def cancel(self) -> None:
        self._waiting_cache = None
        self.workflow.cancel()

    def dump(self) -> str:
        """The state to store, after dropping the finished tasks nothing reads (pruning.py)."""
        dropped = prune(self.workflow)
        if dropped:
            self.workflow.visited = getattr(self.workflow, "visited", set()) | dropped
        return dump_instance(self.workflow)


def _pending_events(workflow: AppWorkflow) -> list[Any]:
    """What the instance waits for, one entry per timer and message.

    An event-based gateway waits as one task with a "multiple" event definition, which the
    library reports as a single event of no kind: its timer would never be armed nor its message
    subscribed, and the instance would wait forever. Its own events are listed instead (the
    library fires the gateway's timer itself once it is due, and the first event to arrive takes
    the gateway's path; the other drops out of this list, so its timer row or subscription goes).
    """
    events = []
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        for one in getattr(definition, "event_definitions", None) or [definition]:
            events.append(one.details(task))
    return events


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _caller_lane(task: Any) -> str | None:
    """Tasks of a called process have no lane of their own: they take the calling task's."""
    workflow = task.workflow
    while getattr(workflow, "parent_task_id", None) is not None:
        caller = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        if caller is None:
            return None
        if caller.task_spec.lane:
            return caller.task_spec.lane
        workflow = caller.workflow
    return None


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
