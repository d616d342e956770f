"""Multi-instance activities as BranchFlow runs them: items kept to their instance, and a bound.

SpiffWorkflow 3.2.0 merges a finished instance's whole data into the multi-instance task when there
is no output collection, input item included. A sequential multi-instance then stops at its first
completion ("Multiinstance input item … already exists", raised when the next instance is created)
and a parallel one leaks the last item into the rest of the process. Here an instance's input and
output items stay with that instance, and the completion condition sees the collected output.

A collection or a ``loopCardinality`` above the instance's bound fails the run before any instance
is created: the engine would otherwise build every task first (10**6 of them exhaust the server).

The classes replace the library's in the parser (``BranchFlowParser``) and in the serializer under
the library's own type names, so specs stored before this change load as these classes too.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Any
from typing import ClassVar

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffMultiInstanceConverter
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask
from SpiffWorkflow.spiff.specs.defaults import SequentialMultiInstanceTask
from SpiffWorkflow.util.deep_merge import DeepMerge

from app.engine.joins import JOIN_CLASSES

#: Instances one multi-instance may create when the runtime names no bound of its own.
DEFAULT_BOUND = 300


class _ItemsStayWithTheirInstance(MultiInstanceTask):
    """Sits just above the library's ``MultiInstanceTask`` in the method order of both kinds."""

    def _update_hook(self, my_task: Any) -> Any:
        ready = super()._update_hook(my_task)  # pre-script and data inputs first: they may set it
        count, bound = self._count(my_task), bound_of(my_task)
        if count > bound:
            raise WorkflowTaskException(
                f"multi-instance would create {count} instances; the bound is {bound}"
                f" (MODEL_MULTI_INSTANCE_BOUND) / 多实例将创建 {count} 个实例，超过上限 {bound}",
                task=my_task,
            )
        return ready

    def _count(self, my_task: Any) -> int:
        if self.data_input is not None:
            if not self.data_input.exists(my_task):
                return 0  # the library reports the missing collection itself
            collection = self.data_input.get(my_task)
            return len(collection) if isinstance(collection, Sized) else 0
        cardinality = my_task.workflow.script_engine.evaluate(my_task, self.cardinality)
        return cardinality if isinstance(cardinality, int) else 0

    def check_completion_condition(self, my_task: Any) -> Any:
        """The condition sees the output collected so far (``votes.count("yes") >= 2``) and the
        last finished instance's items (``vote == "veto"``): the library evaluated it in that
        instance's data alone, where the collection is the empty one it was created with."""
        merged = my_task.internal_data.get("merged", [])
        if not merged or self.condition is None:
            return None
        last = next(c for c in my_task.children if str(c.id) == merged[-1])
        items = {
            spec.bpmn_id: spec.get(last)
            for spec in (self.input_item, self.output_item)
            if spec is not None and spec.exists(last)
        }
        return my_task.workflow.script_engine.evaluate(my_task, self.condition, items)

    def merge_child(self, workflow: Any, child: Any) -> None:
        if self.data_output is not None and self.output_item is not None:
            super().merge_child(workflow, child)  # only the output item is collected
            return
        items = {spec.bpmn_id for spec in (self.input_item, self.output_item) if spec is not None}
        my_task = child.parent
        DeepMerge.merge(my_task.data, {k: v for k, v in child.data.items() if k not in items})
        my_task.internal_data["merged"].append(str(child.id))


class BoundedParallelMultiInstance(ParallelMultiInstanceTask, _ItemsStayWithTheirInstance):
    pass


class BoundedSequentialMultiInstance(SequentialMultiInstanceTask, _ItemsStayWithTheirInstance):
    pass


def bound_of(my_task: Any) -> int:
    """The bound the runtime set on the top-level workflow (``Runtime.multi_instance_bound``)."""
    return getattr(my_task.workflow.top_workflow, "multi_instance_bound", DEFAULT_BOUND)


def _with_bounded_classes(parser_class: type) -> type:
    if not issubclass(parser_class, TaskParser):
        return parser_class
    return type(
        parser_class.__name__,
        (parser_class,),
        {
            "PARALLEL_MI_CLASS": BoundedParallelMultiInstance,
            "SEQUENTIAL_MI_CLASS": BoundedSequentialMultiInstance,
        },
    )


class BranchFlowParser(SpiffBpmnParser):
    """The spiff parser, with every task parser building the bounded multi-instance classes and
    the joins that merge each branch's changes (joins.py)."""

    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, tuple[type, type]]] = {
        tag: (
            _with_bounded_classes(parser_class),
            JOIN_CLASSES.get(tag.rpartition("}")[2], spec_class),
        )
        for tag, (parser_class, spec_class) in {
            **SpiffBpmnParser.PARSER_CLASSES,
            **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        }.items()
    }


def register_converters(registry: Any) -> None:
    """Store and restore the bounded classes under the library's type names."""
    SpiffMultiInstanceConverter(
        BoundedParallelMultiInstance, registry, typename="ParallelMultiInstanceTask"
    )
    SpiffMultiInstanceConverter(
        BoundedSequentialMultiInstance, registry, typename="SequentialMultiInstanceTask"
    )
