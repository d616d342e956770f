"""An event-based gateway waits for its timer and its message at once: the runtime reports both,
so the app can arm the timer and subscribe the message."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

from app.engine.models import parse_models
from app.engine.runtime import Runtime
from app.engine.sandbox import Limits
from app.engine.serializer import load_specs

BPMN = Path(__file__).parent / "bpmn"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_the_gateway_reports_its_timer_and_its_message():
    parsed = parse_models(
        {"event_race.bpmn": (BPMN / "event_race.bpmn").read_bytes()},
        known_roles={"branch_secretary", "unit_org_reviewer"},
        known_forms={"test_any"},
    )
    (race,) = [p for p in parsed if p.process_id == "event_race"]
    instance = Runtime(lambda: NOW, Limits(cpu_seconds=30), run_budget=30).start(
        load_specs(race.spec_json), {}
    )
    assert instance.next_timer() == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert [wait.name for wait in instance.message_waits()] == ["reply_received"]
