"""一带二 from pairing to the year's evaluation, through the commands at the demo branch: the
committee pairs a full member with two people (a third is refused, also through a second
pairing), the card is issued to the mentor, the mentor records progress each quarter, the
committee evaluates; the records count in the mentor's points and in criterion C11."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.models import User
from app.members.pairing import mentees_of_year
from app.members.points.queries import branch_points
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task

TODAY = date(2026, 11, 23)


def actor_of(person_id: int) -> Actor:
    user = db.session.scalars(select(User).where(User.person_id == person_id)).one()
    return Actor(user_id=user.id, login=user.login, source="test")


def with_account(people: list[int]) -> list[int]:
    accounts = set(db.session.scalars(select(User.person_id).where(User.person_id.in_(people))))
    return [p for p in people if p in accounts]


def start_pairing(demo, actor: Actor) -> int:
    return run(
        commands.start_instance,
        actor=actor,
        process_key="member_mentoring_pairing",
        org_code=demo.branch.code,
    )


def unpaired_full_members(demo) -> list[int]:
    paired = mentees_of_year(db.session, [demo.branch.id], 2026)
    return [p for p in demo.people("full_members", day=TODAY) if p not in paired]


def test_a_member_is_paired_records_progress_and_is_evaluated(demo, clock):
    committee = demo.holder("org_member")
    seated = set(demo.people("committee", day=TODAY))
    mentor = next(p for p in with_account(unpaired_full_members(demo)) if p not in seated)
    others = [p for p in demo.people("members", day=TODAY) if p != mentor]
    mentee_a, mentee_b, mentee_c = others[:3]

    with pytest.raises(Forbidden):  # a member does not pair themselves
        start_pairing(demo, actor_of(mentor))
    instance_id = start_pairing(demo, committee)
    pair = open_task(instance_id)
    assert (pair.element_id, pair.candidate_role) == ("pair", "branch_committee")
    paired = {
        "year": 2026,
        "mentor": mentor,
        "goals": "帮助青年员工熟悉采油工艺，带动积极分子学习党章",
    }
    with pytest.raises(ValidationFailed) as refused:  # a third mentee
        complete_step(
            committee, instance_id, "pair", paired | {"mentees": [mentee_a, mentee_b, mentee_c]}
        )
    assert "mentees" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:  # not themselves
        complete_step(committee, instance_id, "pair", paired | {"mentees": [mentor]})
    assert "mentees" in refused.value.field_errors
    assert open_task(instance_id).id == pair.id  # nothing changed
    complete_step(committee, instance_id, "pair", paired | {"mentees": [mentee_a, mentee_b]})

    # The card is issued: the mentor is told and records the progress (nobody else may).
    told = db.session.scalars(
        select(Notification.user_id).where(
            Notification.instance_id == instance_id, Notification.kind == "published"
        )
    ).all()
    assert told == [actor_of(mentor).user_id]
    progress = open_task(instance_id)
    assert (progress.element_id, progress.assignee_user_id) == (
        "record_progress",
        actor_of(mentor).user_id,
    )
    with pytest.raises(Conflict):  # the mentor's own task
        complete_step(
            committee, instance_id, "record_progress", {"activity": "谈心", "year_complete": False}
        )

    # A second pairing of the same mentor may not bring a third mentee into the year.
    second = start_pairing(demo, committee)
    with pytest.raises(ValidationFailed) as refused:
        complete_step(committee, second, "pair", paired | {"mentees": [mentee_c]})
    assert "2" in refused.value.field_errors["mentees"]
    assert open_task(second).element_id == "pair"

    quarters = [
        "讲解岗位安全规程，帮带对象通过季度考核",
        "带领学习党章，积极分子提交思想汇报",
        "共同完成冬季保温任务",
    ]
    for n, activity in enumerate(quarters, start=1):
        complete_step(
            actor_of(mentor),
            instance_id,
            "record_progress",
            {"activity": activity, "progress": "有进步", "year_complete": n == len(quarters)},
        )
    evaluate = open_task(instance_id)
    assert (evaluate.element_id, evaluate.candidate_role) == (
        "annual_evaluation",
        "branch_committee",
    )
    complete_step(
        committee, instance_id, "annual_evaluation", {"result": "good", "comment": "帮带成效明显"}
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    # Three progress records, 2 points each, capped at 4 in the mentor's points.
    branch = db.session.get(OrgUnit, demo.branch.id)
    points = branch_points(db.session, branch, 2026, TODAY)
    assert points[mentor].items["pairing_progress"] == 4


def measured_c11(branch: OrgUnit) -> float | None:
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[branch],
        year=2026,
        rubric=current_rubric(db.session).rubric,
    )
    return found[branch.id]["measured_C11"]


def test_c11_measures_the_share_of_full_members_mentoring(demo, clock):
    """C11 = 4 × the share of full members mentoring, less 1 without a model post confirmed."""
    branch = db.session.get(OrgUnit, demo.branch.id)
    full = demo.people("full_members", day=TODAY)
    committee = demo.holder("org_member")
    mentor = with_account(unpaired_full_members(demo))[0]
    mentee = next(p for p in demo.people("members", day=TODAY) if p != mentor)
    instance_id = start_pairing(demo, committee)
    complete_step(
        committee,
        instance_id,
        "pair",
        {"year": 2026, "mentor": mentor, "mentees": [mentee], "goals": "带动青年员工提升技能"},
    )
    mentoring = [p for p in mentees_of_year(db.session, [branch.id], 2026) if p in full]
    share = len(mentoring) / len(full)
    assert mentor in mentoring
    assert measured_c11(branch) == round(max(0.0, 4 * share - 1), 2)
