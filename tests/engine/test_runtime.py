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
from app.engine.runtime import Runtime
from app.engine.sandbox import Limits
from app.engine.sandbox import SandboxEnvironment
from app.engine.serializer import load_instance
from app.engine.serializer import load_specs
from tests.engine.models_kit import chain

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


def test_past_depth_1000_the_library_says_completed_but_we_do_not(runtime):
    """The model deployment refuses; this drives the engine directly to show the guard holds."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # the library's parser recurses along the chain
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_xml(etree.fromstring(chain("deep", 1100)), filename="deep.bpmn")
        instance = runtime.start((parser.get_spec("deep"), {}), {})
    finally:
        sys.setrecursionlimit(limit)
    assert instance.workflow.is_completed() is True  # the library's silent "completion"
    assert instance.finished() is False


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
