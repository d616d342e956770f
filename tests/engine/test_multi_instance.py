"""Multi-instance in the engine alone: a version deployed before the fix runs with it, and the
bound stops a run before any task exists."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.runtime import EngineFailure
from app.engine.runtime import Runtime
from app.engine.sandbox import Limits
from app.engine.serializer import dump_specs
from app.engine.serializer import load_specs

BPMN = Path(__file__).parent / "bpmn"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def runtime() -> Runtime:
    return Runtime(lambda: NOW, Limits(cpu_seconds=30), multi_instance_bound=5)


def _as_stored_by_the_library(file: str, process_id: str):
    """Specs as a version deployed with the library's own classes was stored."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(etree.fromstring((BPMN / file).read_bytes()), filename=file)
    return load_specs(dump_specs(parser.get_spec(process_id), {}))


def _finish_each(runtime: Runtime, specs, instance) -> list:
    seen = []
    while ready := [t for t in instance.ready_tasks() if t.element_id == "sign"]:
        seen.append(ready[0].assignee_value)
        instance.complete(ready[0].task_id, {"signed": True})
        instance = runtime.load(specs, instance.dump())  # as between two commands
    return seen


def test_a_sequential_version_stored_before_the_fix_runs_past_its_first_instance(runtime):
    specs = _as_stored_by_the_library("committee_sign.bpmn", "committee_sign")
    instance = runtime.start(specs, {"members": [11, 12, 13]})
    assert _finish_each(runtime, specs, instance) == [11, 12, 13]


def test_a_larger_collection_fails_the_run_before_any_task(runtime):
    specs = _as_stored_by_the_library("committee_sign.bpmn", "committee_sign")
    with pytest.raises(EngineFailure) as failure:
        runtime.start(specs, {"members": list(range(6))})
    assert failure.value.element_id == "sign"
    assert "6" in failure.value.message
