"""编入党支部和党小组、入党宣誓 through the commands at the demo branch: the secretary places a
probationary member in another of the branch's party groups (the person's record follows, through
the domain action), a group of another branch is refused, and the unit's committee records the
oath with its time, who led it, who took it and who was present."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.members.dossier import dossier_rows
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task

TODAY = date(2026, 11, 23)


def recorded_answers(instance_id: int) -> dict[str, dict]:
    """What each completed step recorded (its step log), by step."""
    db.session.rollback()
    return {
        e.element_id: json.loads(e.submitted_json)
        for e in db.session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id, StepLogEntry.action == "task_completed")
            .order_by(StepLogEntry.seq)
        )
    }


def groups_of(code: str) -> list[int]:
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    return list(
        db.session.scalars(
            select(OrgUnit.id)
            .where(OrgUnit.parent_id == branch.id, OrgUnit.kind == OrgKind.PARTY_GROUP)
            .order_by(OrgUnit.id)
        )
    )


def test_a_probationary_member_is_placed_in_a_group_and_takes_the_oath(demo):
    secretary = demo.holder("branch_secretary")
    person_id = demo.people("probationary", TODAY)[0]
    before = db.session.get(Person, person_id).party_group_id
    group = next(g for g in groups_of(demo.branch.code) if g != before)
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="placement_and_admission_oath",
        org_code=demo.branch.code,
    )
    place = open_task(instance_id)
    assert (place.element_id, place.candidate_role) == ("place_in_group", "branch_secretary")
    placement = {
        "person": person_id,
        "placed_on": TODAY.isoformat(),
        "dues_from": "2026-10",
    }
    other_branch_group = groups_of("HH01-02")[0]
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            secretary,
            instance_id,
            "place_in_group",
            placement | {"party_group": other_branch_group},
        )
    assert "party_group" in refused.value.field_errors
    assert db.session.get(Person, person_id).party_group_id == before  # nothing changed

    complete_step(secretary, instance_id, "place_in_group", placement | {"party_group": group})
    assert db.session.get(Person, person_id).party_group_id == group

    oath = open_task(instance_id)
    assert (oath.element_id, oath.candidate_role) == ("oath_ceremony", "unit_party_committee")
    leader = demo.people("full_members", TODAY)[0]
    present = demo.people("members", TODAY)[:5]
    ceremony = {
        "oath_at": "2026-11-23T15:00:00+08:00",
        "oath_takers": [person_id],
        "presiding": leader,
        "attendance": {"present": present},
    }
    unit = holder_at("HH01", "unit_party_committee")
    with pytest.raises(ValidationFailed):  # only probationary members take the oath
        complete_step(unit, instance_id, "oath_ceremony", ceremony | {"oath_takers": [leader]})
    complete_step(unit, instance_id, "oath_ceremony", ceremony)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    recorded = recorded_answers(instance_id)["oath_ceremony"]
    assert recorded["oath_at"] == "2026-11-23T15:00:00+08:00"
    assert recorded["attendance"]["present"] == present
    assert recorded["attendance"]["entitled"] == len(demo.people("members", TODAY))
    rows = {r.step.number: r for r in dossier_rows(db.session, db.session.get(Person, person_id))}
    assert [d.day for d in rows[19].done] == ["2026-11-23"]
    assert [d.day for d in rows[20].done] == ["2026-11-23"]  # the oath's Beijing day
    assert not rows[21].reached
