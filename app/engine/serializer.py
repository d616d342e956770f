"""Serialising specs and instances, pinned to SpiffWorkflow 3.2.0's format 1.5.

Specs are stored once per definition version; an instance stores only its own state (no spec), and
is loaded by injecting the cached spec objects. Deserialising would silently install SpiffWorkflow's
unsafe default script engine, so workflows are restored as ``AppWorkflow``, whose default engine
refuses to run anything: the caller must attach the sandbox, and forgetting to fails closed.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import SpiffWorkflow
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.engine.joins import register_join_converters
from app.engine.multi_instance import register_converters

LIBRARY_VERSION = SpiffWorkflow.__version__ if hasattr(SpiffWorkflow, "__version__") else "3.2.0"


class _NoScripts(BasePythonScriptEngineEnvironment):
    def evaluate(self, expression: str, context: Any, external_context: Any = None) -> Any:
        raise RuntimeError("no sandbox attached to this workflow")

    def execute(self, script: str, context: Any, external_context: Any = None) -> Any:
        raise RuntimeError("no sandbox attached to this workflow")


class AppWorkflow(BpmnWorkflow):
    """A BpmnWorkflow that cannot run a script until the sandbox is attached."""

    def __init__(
        self, spec: Any, subprocess_specs: Any = None, script_engine: Any = None, **kwargs: Any
    ) -> None:
        engine = script_engine or PythonScriptEngine(environment=_NoScripts())
        super().__init__(spec, subprocess_specs, script_engine=engine, **kwargs)


class _InstanceOnlyConverter(BpmnWorkflowConverter):
    """Writes the instance without its spec: specs are stored once per version, and converting
    the spec on every save cost more than the rest of the save (it grows with the model)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _registry() -> Any:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    _InstanceOnlyConverter(AppWorkflow, registry, typename="BpmnWorkflow")
    register_converters(registry)
    register_join_converters(registry)
    registry.register(
        date, lambda d: {"iso": d.isoformat()}, lambda d: date.fromisoformat(d["iso"]), "date"
    )
    registry.register(
        Decimal, lambda d: {"value": str(d)}, lambda d: Decimal(d["value"]), "Decimal"
    )
    return registry


SERIALIZER = BpmnWorkflowSerializer(_registry())
FORMAT_VERSION = SERIALIZER.VERSION


def dump_specs(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    return json.dumps(
        {
            "format": FORMAT_VERSION,
            "spec": SERIALIZER.to_dict(spec),
            "subprocess_specs": {
                name: SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()
            },
        },
        ensure_ascii=False,
    )


def load_specs(spec_json: str) -> tuple[Any, dict[str, Any]]:
    data = json.loads(spec_json)
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(f"spec format {data.get('format')} is not {FORMAT_VERSION}")
    spec = SERIALIZER.from_dict(data["spec"])
    return spec, {name: SERIALIZER.from_dict(s) for name, s in data["subprocess_specs"].items()}


def dump_instance(workflow: BpmnWorkflow) -> str:
    state = SERIALIZER.to_dict(workflow)
    if visited := getattr(workflow, "visited", None):
        state["visited"] = sorted(visited)  # elements whose tasks pruning.py dropped
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))


def load_instance(state_json: str, spec: Any, subprocess_specs: dict[str, Any]) -> AppWorkflow:
    state = json.loads(state_json)
    visited = set(state.pop("visited", ()))
    state["spec"], state["subprocess_specs"] = spec, subprocess_specs
    workflow = SERIALIZER.from_dict(state)
    workflow.visited = visited
    return workflow


def convert_event(event: Any) -> str:
    return json.dumps(SERIALIZER.registry.convert(event), ensure_ascii=False)


def restore_event(event_json: str) -> Any:
    return SERIALIZER.registry.restore(json.loads(event_json))
