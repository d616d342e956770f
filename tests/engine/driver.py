"""Runs one model's instance through the engine as the app does (load, act, dump, every step)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from app.engine.models import parse_models
from app.engine.runtime import Runtime
from app.engine.sandbox import Limits
from app.engine.serializer import load_specs
from tests.engine.models_kit import document

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LANE = "branch_secretary"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Driver:
    """Runs one instance as the app does: load, act, dump, for every step."""

    def __init__(self, body: str, elements: list[str], data: dict | None = None, extra=None):
        sources = {"loop.bpmn": document("loop", body, {LANE: elements})}
        sources.update(extra or {})
        parsed = parse_models(sources, known_roles={LANE}, known_forms={"test_any"})
        (process,) = [p for p in parsed if p.process_id == "loop"]
        self.specs = load_specs(process.spec_json)
        self.clock = Clock()
        self.runtime = Runtime(self.clock, Limits(cpu_seconds=30), run_budget=30)
        self.state = self.runtime.start(self.specs, data or {}).dump()
        self.sizes: list[int] = []

    def load(self):
        return self.runtime.load(self.specs, self.state)

    def ready(self) -> list[str]:
        return sorted(task.element_id for task in self.load().ready_tasks())

    def complete(self, element: str, data: dict | None = None) -> None:
        instance = self.load()
        (task,) = [t for t in instance.ready_tasks() if t.element_id == element][:1]
        instance.complete(task.task_id, data or {})
        self.save(instance)

    def wait(self, delta: timedelta) -> None:
        self.clock.now += delta
        instance = self.load()
        instance.advance()
        self.save(instance)

    def save(self, instance) -> None:
        self.state = instance.dump()
        self.sizes.append(len(self.state))

    def data(self) -> dict:
        return self.load().data()

    def finished(self) -> bool:
        return self.load().finished()
