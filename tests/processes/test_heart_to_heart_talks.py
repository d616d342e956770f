"""谈心谈话 through the commands at the demo branch: the year's plan comes from the rolls and the
committee, each talk goes to its talker, the talks recorded are the register's rows, and on
1 December the members nobody talked with are listed for the secretary."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.notify.models import Notification
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import complete_step
from tests.plugins.demo import form_card
from tests.plugins.demo import instance_data as _data
from tests.plugins.demo import open_task
from tests.plugins.demo import open_tasks
from tests.plugins.demo import without_branch_names

TODAY = date(2026, 11, 23)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _talks(instance_id: int) -> list[HumanTask]:
    return open_tasks(instance_id, "conduct_talk")


def _actor_of(user_id: int) -> Actor:
    user = db.session.get(User, user_id)
    return Actor(user_id=user.id, login=user.login, source="test")


def _opened(demo) -> int:
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="heart_to_heart_talks",
        org_code=demo.branch.code,
    )
    opening = open_task(instance_id)
    assert (opening.element_id, opening.candidate_role) == ("open_year", "branch_secretary")
    complete_step(secretary, instance_id, "open_year", {"year": 2026})
    return instance_id


def _record(task: HumanTask, pair: dict, held_on: str = "2026-11-20") -> None:
    run(
        commands.complete_task,
        actor=_actor_of(task.assignee_user_id),
        task_id=task.id,
        data={
            "talker": pair["talker"],
            "talk_partner": pair["talk_partner"],
            "held_on": held_on,
            "talk_type": "annual",
            "content": "交流工作和思想情况。",
        },
    )


def test_the_plan_comes_from_the_rolls_and_each_talk_goes_to_its_talker(demo):
    instance_id = _opened(demo)
    data = _data(instance_id)
    members = demo.people("members", TODAY)
    committee = demo.people("committee", TODAY)
    pairs = data["pairs"]
    assert sorted(data["members"]) == sorted(members)
    talked = {p["talker"] for p in pairs} | {p["talk_partner"] for p in pairs}
    assert set(members) <= talked  # every member has a planned talk
    for a in committee:  # the committee members talk with each other
        for b in committee:
            if a < b:
                assert any({p["talker"], p["talk_partner"]} == {a, b} for p in pairs)
    tasks = _talks(instance_id)
    assert len(tasks) == len(pairs)
    people_of = dict(db.session.execute(select(User.id, User.person_id)).all())
    assert [people_of[t.assignee_user_id] for t in tasks] == [p["talker"] for p in pairs]
    partner_user = next(u for u, p in people_of.items() if p == pairs[0]["talk_partner"])
    talker_name = db.session.get(Person, pairs[0]["talker"]).name
    told = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == partner_user, Notification.instance_id == instance_id
        )
    ).all()
    assert f"谈心谈话：{talker_name} 将与您谈话" in told  # the partner is told who will talk
    other = next(t for t in tasks if t.assignee_user_id != tasks[0].assignee_user_id)
    with pytest.raises((NotFound, Forbidden, Conflict)):  # nobody records another's talk
        run(
            commands.complete_task,
            actor=_actor_of(other.assignee_user_id),
            task_id=tasks[0].id,
            data={"held_on": "2026-11-20"},
        )
    not_member = next(p for p in demo.members if p not in members)
    with pytest.raises(ValidationFailed) as refused:  # talks between the branch's members
        _record(tasks[0], pairs[0] | {"talk_partner": not_member})
    assert "talk_partner" in refused.value.field_errors
    assert len(_talks(instance_id)) == len(pairs)  # nothing changed


def test_talks_recorded_are_the_register_and_the_uncovered_are_listed(demo, clock, app):
    instance_id = _opened(demo)
    pairs = _data(instance_id)["pairs"]
    tasks = _talks(instance_id)
    held = list(zip(tasks, pairs, strict=True))[:3]
    for task, pair in held:
        _record(task, pair)
    clock.set(datetime(2026, 11, 30, 16, 0, 1, tzinfo=UTC))  # 1 December, Beijing time
    assert run_once().timers_fired >= 1
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("coverage_review", "branch_secretary")
    data = _data(instance_id)
    talked = {p["talker"] for _t, p in held} | {p["talk_partner"] for _t, p in held}
    assert data["uncovered"] == [p for p in data["members"] if p not in talked]
    assert data["talks_held"] == 3
    assert _talks(instance_id) == []  # the talks not held are closed
    complete_step(
        demo.holder("branch_secretary"),
        instance_id,
        "coverage_review",
        {"followed_up": data["uncovered"][:1], "route": "reminder_talk"},
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    with app.test_request_context():
        ledger = all_ledgers()["talk_register"]
        branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == DEMO_BRANCH)).one()
        table = ledger_table(db.session, ledger, branch, 2026, local_zone(), "zh")
    assert len(table.rows) == 3  # a row per talk held
    names = dict(db.session.execute(select(Person.id, Person.name)).all())
    recorded = sorted((names[p["talker"]], names[p["talk_partner"]]) for _t, p in held)
    assert sorted((r.cells[1], r.cells[2]) for r in table.rows) == recorded


def test_the_talk_page_reads_in_english_but_for_names(demo, client, login, app):
    instance_id = _opened(demo)
    task = _talks(instance_id)[0]
    talker = db.session.get(User, task.assignee_user_id)
    login(talker.login, app.config["DEMO_PASSWORD"])
    client.set_cookie("branchflow_lang", "en")
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    card = form_card(page)
    assert "Hold and record the talk" in card
    assert "Talked with" in card
    card = without_branch_names(card, demo.branch.id)
    assert not CJK.findall(card)


def test_when_every_talk_is_held_the_coverage_is_checked_at_once(demo):
    instance_id = _opened(demo)
    pairs = _data(instance_id)["pairs"]
    for task, pair in zip(_talks(instance_id), pairs, strict=True):
        _record(task, pair)
    review = open_task(instance_id)  # before 1 December
    assert (review.element_id, review.candidate_role) == ("coverage_review", "branch_secretary")
    data = _data(instance_id)
    assert (data["uncovered"], data["coverage"], data["talks_held"]) == ([], 1.0, len(pairs))
