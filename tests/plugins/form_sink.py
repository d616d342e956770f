"""A one-step procedure whose form has a field of every kind, at a branch with people on its rolls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.commands import SYSTEM
from app.core.commands import run
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from tests.engine.models_kit import one_task
from tests.factories import make_person
from tests.plugins.people import actor
from tests.plugins.people import open_tasks

FORMS = Path(__file__).resolve().parents[1] / "formdefs" / "forms"


@dataclass(frozen=True)
class Sink:
    task_id: int
    instance_id: int
    members: list[int]  # on the rolls of branch 1, where the instance runs
    stranger: int  # on the rolls of branch 3


@pytest.fixture
def sink(app, people) -> Sink:
    app.config["FORMS_DIR"] = FORMS
    sources = {"all_kinds.bpmn": one_task("all_kinds_proc", form="all_kinds")}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    members = [make_person(f"成员{i}", people.tree.branch1) for i in range(5)]
    stranger = make_person("外支部人员", people.tree.branch3)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="all_kinds_proc",
        org_code=people.tree.branch1,
    )
    return Sink(open_tasks(instance_id)[0].id, instance_id, members, stranger)


def valid_post(sink: Sink) -> dict[str, object]:
    """A submission of the every-kind form that passes every check."""
    m = sink.members
    return {
        "topic": "研究发展党员",
        "notes": "第一行\n第二行",
        "count": "12",
        "ratio": "0.5",
        "amount": "1234.50",
        "held": "true",
        "day": "2026-11-20",
        "at": "2026-11-20T09:30",
        "period": "P1M",
        "kind": "b",
        "tags": ["x", "y"],
        "host": str(m[0]),
        "guests": [str(m[3]), str(m[4])],
        "attendance.entitled": "5",
        "attendance.present": [str(p) for p in m[:3]],
        "vote.eligible": "5",
        "vote.present": "3",
        "vote.for": "3",
        "vote.against": "0",
        "vote.abstain": "0",
        "actions.0.issue": "台账不全",
        "actions.0.owner": str(m[1]),
        "actions.0.due": "2026-12-31",
        "actions.1.issue": "",  # a blank row is no item
        "signed": "true",
        "escalate": "",
        "reason": "typed, then hidden again",
    }
