"""The runtime seam: completion means an end event completed, and no script runs unsandboxed."""

from __future__ import annotations

import sys
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.models import parse_models
from app.engine.runtime import Bounds
from app.engine.runtime import EngineFailure
from app.engine.runtime import Runtime
from app.engine.sandbox import Limits
from app.engine.sandbox import SandboxEnvironment
from app.engine.serializer import load_instance
from app.engine.serializer import load_specs
from tests.engine.models_kit import chain
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task

BPMN = Path(__file__).parent / "bpmn"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def runtime() -> Runtime:
    return Runtime(lambda: NOW, Limits(cpu_seconds=30), run_budget=30)


def _two_step():
    (process,) = parse_models(
        {"two_step.bpmn": (BPMN / "two_step.bpmn").read_bytes()},
        known_roles={"branch_secretary", "unit_org_reviewer"},
        known_forms={"test_notice", "test_review"},
    )
    return load_specs(process.spec_json)


def _deep_chain_specs(length: int):
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # the library's parser recurses along the chain
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_xml(etree.fromstring(chain("deep", length)), filename="deep.bpmn")
        return parser.get_spec("deep"), {}
    finally:
        sys.setrecursionlimit(limit)


def test_past_depth_1000_the_library_says_completed_but_we_do_not():
    """The model deployment refuses; this drives the engine directly, with the runtime's own
    bounds lifted, to show the last guard holds."""
    unbounded = Runtime(
        lambda: NOW, Limits(cpu_seconds=30), 60, Bounds(steps_per_run=10**6, depth=10**6)
    )
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # and the engine recurses along the task tree
    try:
        instance = unbounded.start(_deep_chain_specs(1100), {})
    finally:
        sys.setrecursionlimit(limit)
    assert instance.workflow.is_completed() is True  # the library's silent "completion"
    assert instance.finished() is False


def _rework_loop_specs():
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + '<bpmn:exclusiveGateway id="g" default="back"/><bpmn:endEvent id="end"/>'
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "g")
        + flow("done", "g", "end", "approved")
        + flow("back", "g", "edit")
    )
    model = document("loop", body, {"branch_secretary": ["start", "edit", "g", "end"]})
    (process,) = parse_models(
        {"loop.bpmn": model}, known_roles={"branch_secretary"}, known_forms={"test_any"}
    )
    return load_specs(process.spec_json)


def test_a_rework_loop_that_grows_past_the_depth_bound_is_stopped():
    bounded = Runtime(lambda: NOW, Limits(cpu_seconds=30), 60, Bounds(depth=40))
    instance = bounded.start(_rework_loop_specs(), {})
    rounds, stopped = 0, None
    while stopped is None and rounds < 100:
        rounds += 1
        (task,) = instance.ready_tasks()
        try:
            instance.complete(task.task_id, {"approved": False})
        except EngineFailure as failure:
            stopped = failure
    assert stopped is not None
    assert "超过上限 40" in stopped.message
    assert 10 < rounds < 40  # each round adds a few levels to the task tree


def test_a_run_of_too_many_automatic_steps_is_stopped():
    bounded = Runtime(lambda: NOW, Limits(cpu_seconds=30), 60, Bounds(steps_per_run=100))
    with pytest.raises(EngineFailure, match="自动步骤超过 100 步"):
        bounded.start(_deep_chain_specs(150), {})


def test_a_loaded_instance_always_runs_in_the_sandbox(runtime):
    specs = _two_step()
    state = runtime.start(specs, {}).dump()
    loaded = runtime.load(specs, state)
    assert isinstance(loaded.workflow.script_engine.environment, SandboxEnvironment)


def test_a_workflow_restored_without_the_sandbox_refuses_to_run_scripts(runtime):
    specs = _two_step()
    state = runtime.start(specs, {}).dump()
    bare = load_instance(state, *specs)  # what the library would hand back on its own
    with pytest.raises(WorkflowTaskException) as failure:
        bare.script_engine.evaluate(bare.task_tree, "1 + 1")
    assert "no sandbox" in str(failure.value.__cause__ or failure.value.__context__)


def test_instance_state_is_stored_without_the_spec(runtime):
    specs = _two_step()
    state = runtime.start(specs, {}).dump()
    assert '"spec"' not in state[:200]
    assert "task_specs" not in state
