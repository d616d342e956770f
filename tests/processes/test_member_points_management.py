"""党员积分 through the commands at the demo branch: a member claims points for volunteering, the
group leader returns the claim once, the member corrects it, the branch reviews it and the
secretary confirms it; the confirmed claim counts in the member's points of that month. The year's
publication runs each quarter on a timer, and the committee appraises the year."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.members.points.queries import branch_points
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = date(2026, 11, 23)


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, login=user.login, source="test")


def _claimant_and_leader(demo) -> tuple[int, Actor, Actor]:
    """A full member with an account who holds no branch role, and a leader of a group of the
    branch who is someone else."""
    seated = set(demo.people("committee", day=TODAY))
    leaders = (
        db.session.execute(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(
                RoleAssignment.role_code == "group_leader",
                RoleAssignment.valid_to.is_(None),
                OrgUnit.parent_id == demo.branch.id,
            )
            .order_by(User.id)
        )
        .scalars()
        .all()
    )
    leader_people = {u.person_id for u in leaders}
    for person_id in demo.people("full_members", day=TODAY):
        user = db.session.scalars(select(User).where(User.person_id == person_id)).first()
        if user and person_id not in seated and person_id not in leader_people:
            return person_id, _actor(user), _actor(leaders[0])
    raise AssertionError("the demo branch has no plain member with an account")


def _evidence(actor: Actor, instance_id: int, field: str = "evidence") -> list:
    return run(
        store_uploads,
        actor=actor,
        task_id=open_task(instance_id).id,
        uploads=[Upload(field, "志愿服务证明.pdf", PDF)],
    )[field]


def test_a_claim_is_checked_returned_corrected_and_confirmed_and_counts(demo, clock):
    person_id, member, leader = _claimant_and_leader(demo)
    org_member, secretary = demo.holder("org_member"), demo.holder("branch_secretary")
    branch = db.session.get(OrgUnit, demo.branch.id)
    before = branch_points(db.session, branch, 2026, TODAY)[person_id]

    instance_id = run(
        commands.start_instance,
        actor=member,
        process_key="member_points_management",
        org_code=demo.branch.code,
    )
    claim = open_task(instance_id)
    assert (claim.element_id, claim.candidate_role) == ("member_claim", "member")
    claimed = {
        "claimant": person_id,
        "item": "volunteering",
        "happened_on": "2026-11-15",
        "description": "参加社区冬季送温暖志愿服务",
    }
    with pytest.raises(ValidationFailed) as refused:  # the evidence is required
        complete_step(member, instance_id, "member_claim", claimed)
    assert "evidence" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:  # only the scheme's claimable items
        complete_step(member, instance_id, "member_claim", claimed | {"item": "attendance"})
    assert "item" in refused.value.field_errors
    evidence = _evidence(member, instance_id)
    colleague = next(p for p in demo.people("members", day=TODAY) if p != person_id)
    with pytest.raises(ValidationFailed) as refused:  # a member claims for themselves only
        complete_step(
            member,
            instance_id,
            "member_claim",
            claimed | {"claimant": colleague, "evidence": evidence},
        )
    assert "claimant" in refused.value.field_errors
    assert open_task(instance_id).id == claim.id  # nothing changed
    complete_step(member, instance_id, "member_claim", claimed | {"evidence": evidence})

    check = open_task(instance_id)
    assert (check.element_id, check.candidate_role) == ("group_check", "group_leader")
    with pytest.raises((Forbidden, Conflict)):  # not the member's to check
        complete_step(member, instance_id, "group_check", {"group_passed": True})
    run(commands.claim_task, actor=leader, task_id=check.id)
    complete_step(
        leader, instance_id, "group_check", {"group_passed": False, "opinion": "请补充服务时长"}
    )
    revise = open_task(instance_id)
    assert (revise.element_id, revise.assignee_user_id) == ("revise_claim", member.user_id)
    assert member.user_id in told_of_return(instance_id)
    complete_step(
        member,
        instance_id,
        "revise_claim",
        {
            "withdrawn": False,
            "revision_note": "补充：服务4小时",
            "description": "社区送温暖志愿服务4小时",
        },
    )
    check = open_task(instance_id)
    assert check.element_id == "group_check"
    run(commands.claim_task, actor=leader, task_id=check.id)
    complete_step(leader, instance_id, "group_check", {"group_passed": True})

    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("branch_review", "org_member")
    complete_step(org_member, instance_id, "branch_review", {"review_passed": True})
    confirm = open_task(instance_id)
    assert (confirm.element_id, confirm.candidate_role) == ("secretary_confirm", "branch_secretary")
    if org_member.user_id != secretary.user_id:
        with pytest.raises(Forbidden):  # the secretary's decision
            complete_step(org_member, instance_id, "secretary_confirm", {"confirmed": True})
        assert open_task(instance_id).id == confirm.id
    complete_step(secretary, instance_id, "secretary_confirm", {"confirmed": True})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    after = branch_points(db.session, branch, 2026, TODAY)[person_id]
    assert after.items.get("volunteering", 0) == min(6, before.items.get("volunteering", 0) + 1)
    assert after.months[11] - before.months[11] in (1, 0)  # 0 only if a cap was reached already
    assert after.total >= before.total


def test_a_withdrawn_claim_counts_nothing(demo, clock):
    person_id, member, leader = _claimant_and_leader(demo)
    branch = db.session.get(OrgUnit, demo.branch.id)
    before = branch_points(db.session, branch, 2026, TODAY)[person_id]
    instance_id = run(
        commands.start_instance,
        actor=member,
        process_key="member_points_management",
        org_code=demo.branch.code,
    )
    complete_step(
        member,
        instance_id,
        "member_claim",
        {
            "claimant": person_id,
            "item": "hard_task",
            "happened_on": "2026-11-02",
            "description": "抢修集输管线",
            "evidence": _evidence(member, instance_id),
        },
    )
    run(commands.claim_task, actor=leader, task_id=open_task(instance_id).id)
    complete_step(
        leader, instance_id, "group_check", {"group_passed": False, "opinion": "非本人任务"}
    )
    complete_step(member, instance_id, "revise_claim", {"withdrawn": True})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    after = branch_points(db.session, branch, 2026, TODAY)[person_id]
    assert after.items.get("hard_task", 0) == before.items.get("hard_task", 0)


def test_the_points_are_published_each_quarter_and_appraised_after_the_fourth(demo, clock):
    secretary, committee = demo.holder("branch_secretary"), demo.holder("org_member")
    someone = db.session.scalars(
        select(User)
        .join(Person, Person.id == User.person_id)
        .where(
            Person.id.in_(
                demo.people("probationary", day=TODAY) or demo.people("members", day=TODAY)
            )
        )
    ).first()
    if someone is not None and someone.id not in (secretary.user_id, committee.user_id):
        with pytest.raises(Forbidden):  # the secretary starts the year's publication
            run(
                commands.start_instance,
                actor=_actor(someone),
                process_key="member_points_publication",
                org_code=demo.branch.code,
            )
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="member_points_publication",
        org_code=demo.branch.code,
    )
    assert (
        db.session.scalars(
            select(ProcessInstance.status).where(ProcessInstance.id == instance_id)
        ).one()
        is InstanceStatus.RUNNING
    )
    for quarter in (1, 2, 3, 4):
        clock.advance(days=93)
        run(commands.fire_due_timers, actor=secretary, instance_id=instance_id)
        publish = open_task(instance_id)
        assert (publish.element_id, publish.candidate_role) == (
            "quarterly_publicity",
            "branch_secretary",
        )
        complete_step(
            secretary,
            instance_id,
            "quarterly_publicity",
            {
                "quarter": quarter,
                "published_on": clock.now().date().isoformat(),
                "channel": "党员活动室公示栏",
            },
        )
    appraise = open_task(instance_id)
    assert (appraise.element_id, appraise.candidate_role) == (
        "annual_appraisal",
        "branch_committee",
    )
    complete_step(
        committee,
        instance_id,
        "annual_appraisal",
        {"uses": ["appraisal_reference", "honours"], "conclusion": "积分结果作为民主评议参考"},
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
