"""The member procedures' actions (app/members/actions.py) run from a service task: the person's
party status or branch changes with a dated record naming the instance; a refusal of the rules
refuses the answer that led to it and changes nothing; deployment checks the parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import BranchTransfer
from app.identity.models import OrgUnit
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.workflow import commands
from app.workflow.deploy import check_sources
from app.workflow.deploy import deploy_definitions
from app.workflow.models import HumanTask
from tests.factories import make_person
from tests.plugins.people import actor
from tests.plugins.people import open_tasks
from tests.workflow.actions_kit import acting_model
from tests.workflow.actions_kit import service_task

PROMOTE = [
    ("person", "person_id", "person"),
    ("to_status", "string", "'full'"),
    ("effective_on", "date", "effective_on"),
    ("reason", "string", "reason"),
]
TRANSFER = [
    ("person", "person_id", "person"),
    ("to_branch", "org_code", "to_branch"),
    ("effective_on", "date", "effective_on"),
    ("reason", "string", "reason"),
]


def _waiting_at_t1(people, action: str, params) -> int:
    sources = {"member.bpmn": acting_model("member", service_task(action, params))}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="member",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    return task.id


def test_the_branch_meeting_makes_a_probationary_member_full(people):
    person_id = make_person("郑预备", people.tree.branch1, PartyStatus.PROBATIONARY)
    task_id = _waiting_at_t1(people, "change_party_status", PROMOTE)
    answer = {"person": person_id, "effective_on": "2026-10-01", "reason": "支部大会表决通过"}
    run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data=answer)
    db.session.rollback()
    assert db.session.get(Person, person_id).party_status is PartyStatus.FULL
    (change,) = db.session.scalars(select(PartyStatusChange)).all()
    assert (change.from_status, change.to_status) == (PartyStatus.PROBATIONARY, PartyStatus.FULL)
    assert change.instance_id is not None


def test_an_answer_the_rules_refuse_is_refused_and_changes_nothing(people):
    person_id = make_person("王积极", people.tree.branch1, PartyStatus.ACTIVIST)  # not probationary
    task_id = _waiting_at_t1(people, "change_party_status", PROMOTE)
    answer = {"person": person_id, "effective_on": "2026-10-01", "reason": "支部大会表决通过"}
    with pytest.raises(ValidationFailed):
        run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data=answer)
    db.session.rollback()
    assert db.session.get(Person, person_id).party_status is PartyStatus.ACTIVIST
    instance_id = db.session.get(HumanTask, task_id).instance_id
    assert [t.id for t in open_tasks(instance_id)] == [task_id]  # still waiting for an answer


def test_a_transfer_moves_the_member_to_the_receiving_branch(people):
    person_id = make_person("冯转出", people.tree.branch1)
    task_id = _waiting_at_t1(people, "transfer_member", TRANSFER)
    answer = {
        "person": person_id,
        "to_branch": people.tree.branch2,
        "effective_on": "2026-11-01",
        "reason": "工作调动",
    }
    run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data=answer)
    db.session.rollback()
    receiving = db.session.scalars(select(OrgUnit).where(OrgUnit.code == people.tree.branch2)).one()
    assert db.session.get(Person, person_id).branch_id == receiving.id
    assert len(db.session.scalars(select(BranchTransfer)).all()) == 1


@pytest.mark.parametrize(
    "params",
    [
        PROMOTE[:3],  # the reason is missing
        [("person", "person_id", "'sec1'"), *PROMOTE[1:]],  # a login where a person id is asked
        [*TRANSFER[:1], ("to_branch", "org_code", "3"), *TRANSFER[2:]],  # a number, not a code
    ],
)
def test_deployment_refuses_a_missing_or_mistyped_parameter(people, params):
    action = "transfer_member" if params[1][0] == "to_branch" else "change_party_status"
    result = check_sources({"member.bpmn": acting_model("member", service_task(action, params))})
    assert result.problems
