"""Who may attend and vote comes from the records on the meeting's date, never from typing: the
committee meeting counts the committee of that day, the general assembly its full members with
probationary members apart, and tallies take their counts from the attendance (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.workflow import commands
from app.workflow.queries import earlier_answers
from tests.factories import grant
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task

AGENDA = {
    "month": "2026-11",
    "topics": "研究发展党员计划",
    "meeting_at": "2026-11-25T09:00:00+08:00",
    "place": "站党员活动室",
}


def _committee_meeting_at_hold(demo, agenda: dict = AGENDA) -> int:
    instance_id = run(
        commands.start_instance,
        actor=demo.holder("branch_secretary"),
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    complete_step(demo.holder("branch_secretary"), instance_id, "set_agenda", agenda)
    return instance_id


def _of_status(demo, status: PartyStatus) -> list[int]:
    return list(
        db.session.scalars(
            select(Person.id).where(Person.id.in_(demo.members), Person.party_status == status)
        )
    )


def test_a_committee_meeting_cannot_count_non_members_of_the_committee(demo):
    secretary = demo.holder("branch_secretary")
    committee = demo.people("committee")
    assert len(committee) == 5
    activists = _of_status(demo, PartyStatus.ACTIVIST)[:2]
    ordinary = next(p for p in demo.people("full_members") if p not in committee)
    instance_id = _committee_meeting_at_hold(demo)
    # What a new user did: three people off the committee, two of them activists, "7 entitled".
    bent = {"attendance": {"entitled": 7, "present": [*activists, ordinary]}, "minutes": "x" * 20}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "hold_meeting", bent)
    assert refused.value.field_errors["attendance.present"] == "只能选择会议当天在任的支部委员。"
    assert open_task(instance_id).element_id == "hold_meeting"  # nothing changed

    typed = {"attendance": {"entitled": 7, "present": committee[:3]}, "minutes": "发言要点" * 5}
    complete_step(secretary, instance_id, "hold_meeting", typed)
    decide = open_task(instance_id)
    assert decide.element_id == "decide"
    recorded = _answer(instance_id, "attendance")
    assert recorded == {"entitled": 5, "present": committee[:3], "quorum_met": True}


def test_the_committee_is_read_on_the_meeting_date(demo):
    """A member joining the committee on 1 December counts at a meeting of 2 December, not at
    one of 25 November."""
    newcomer = next(p for p in demo.people("full_members") if p not in demo.people("committee"))
    login = db.session.scalars(select(User.login).where(User.person_id == newcomer)).one()
    grant(login, "branch_committee", demo.branch.code, date(2026, 12, 1))
    secretary = demo.holder("branch_secretary")
    before = _committee_meeting_at_hold(demo)
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            secretary,
            before,
            "hold_meeting",
            {"attendance": {"present": [newcomer]}, "minutes": "发言要点" * 5},
        )
    assert "attendance.present" in refused.value.field_errors
    after = _committee_meeting_at_hold(demo, AGENDA | {"meeting_at": "2026-12-02T09:00:00+08:00"})
    present = [newcomer, *demo.people("committee")[:3]]
    complete_step(
        secretary,
        after,
        "hold_meeting",
        {"attendance": {"present": present}, "minutes": "要点" * 6},
    )
    assert _answer(after, "attendance")["entitled"] == 6


def test_a_committee_vote_counts_only_those_present_and_owners_are_party_members(demo):
    secretary, committee = demo.holder("branch_secretary"), demo.holder("branch_committee")
    members = demo.people("committee")
    instance_id = _committee_meeting_at_hold(demo)
    meeting = {"attendance": {"present": members[:3]}, "minutes": "发言要点" * 5}
    complete_step(secretary, instance_id, "hold_meeting", meeting)
    activist = _of_status(demo, PartyStatus.ACTIVIST)[0]
    decision = {"item": "确定入党积极分子", "owner": activist, "due": "2026-12-15"}
    too_many = {"eligible": 9, "present": 9, "for": 4, "against": 0, "abstain": 0}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            committee,
            instance_id,
            "decide",
            {"outcome": "decided", "decisions": [decision], "vote": too_many},
        )
    errors = refused.value.field_errors
    assert errors["decisions.0.owner"] == "请选择本支部的党员。"
    assert errors["vote"] == "票数多于到会人数。"  # 4 votes, 3 present: the 9 typed are ignored
    assert open_task(instance_id).element_id == "decide"  # nothing changed
    decision["owner"] = members[0]
    complete_step(
        committee,
        instance_id,
        "decide",
        {
            "outcome": "decided",
            "decisions": [decision],
            "vote": {"for": 3, "against": 0, "abstain": 0},
        },
    )
    assert _answer(instance_id, "vote") == {
        "eligible": 5,
        "present": 3,
        "for": 3,
        "against": 0,
        "abstain": 0,
        "invalid": 0,
        "passed": True,
    }


def test_the_assembly_keeps_probationary_members_out_of_the_vote(demo):
    secretary = demo.holder("branch_secretary")
    full = demo.people("full_members", date(2026, 11, 30))
    probationary = demo.people("probationary", date(2026, 11, 30))
    assert probationary
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_general_assembly",
        org_code=demo.branch.code,
    )
    complete_step(
        secretary,
        instance_id,
        "propose_agenda",
        {"quarter": "2026-Q4", "topics": "通报工作", "meeting_at": "2026-11-30T15:00:00+08:00"},
    )
    complete_step(
        demo.holder("branch_committee"), instance_id, "committee_review", {"agreed": True}
    )
    notice = {
        "meeting_at": "2026-11-30T15:00:00+08:00",
        "location": "活动室",
        "agenda": "通报工作",
        "notified": True,
    }
    complete_step(secretary, instance_id, "notify_members", notice)
    ticked = {"attendance": {"present": [*full, probationary[0]]}, "minutes": "会议记录" * 5}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "hold_meeting", ticked)
    assert refused.value.field_errors["attendance.present"] == "只能选择会议当天本支部的正式党员。"
    voting_in_attendees = ticked | {"attendance": {"present": full}, "attendees": full[:1]}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "hold_meeting", voting_in_attendees)
    assert "attendees" in refused.value.field_errors
    assert open_task(instance_id).element_id == "hold_meeting"  # nothing changed
    held = {
        "attendance": {"entitled": 99, "present": full},
        "attendees": probationary,
        "guests": "厂党委组织科 王某",
        "minutes": "会议记录" * 5,
    }
    complete_step(secretary, instance_id, "hold_meeting", held)
    assert _answer(instance_id, "attendance")["entitled"] == len(full)
    votes = {"for": len(full) + 1, "against": 0, "abstain": 0}
    with pytest.raises(ValidationFailed) as refused:  # a probationary member's vote is no vote
        complete_step(
            demo.holder("branch_assembly"),
            instance_id,
            "vote",
            {"tally": votes, "resolution": "通过"},
        )
    assert "tally" in refused.value.field_errors


def test_the_page_offers_only_the_committee(demo, client, login, app):
    secretary = demo.holder("branch_secretary")
    instance_id = _committee_meeting_at_hold(demo)
    login(secretary.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    page = page[page.index('class="attendance"') :]
    page = page[: page.index("</fieldset>")]  # the attendance picker only
    names = dict(
        db.session.execute(select(Person.id, Person.name).where(Person.id.in_(demo.members))).all()
    )
    committee = set(demo.people("committee"))
    for person_id, name in names.items():
        offered = f'value="{person_id}"' in page
        assert offered == (person_id in committee), name
    assert 'readonly value="5" data-entitled' in page  # counted, not typed


def _answer(instance_id: int, name: str):
    db.session.rollback()
    return earlier_answers(db.session, instance_id)[name]


def test_no_committee_on_record_is_said_plainly(demo):
    """A branch with no committee on record for the day: the meeting cannot count anyone."""
    secretary = demo.holder("branch_secretary")
    instance_id = _committee_meeting_at_hold(
        demo, AGENDA | {"meeting_at": "2026-11-25T09:00:00+08:00"}
    )
    former = demo.people("committee")
    run(_revoke_committee, actor=SYSTEM, branch_id=demo.branch.id)
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            secretary,
            instance_id,
            "hold_meeting",
            {"attendance": {"present": former[:3]}, "minutes": "发言要点" * 5},
        )
    assert "没有应到会人员" in refused.value.field_errors["attendance"]


def _revoke_committee(ctx, branch_id: int) -> None:
    for assignment in ctx.session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.org_unit_id == branch_id, RoleAssignment.role_code == "branch_committee"
        )
    ):
        assignment.revoked_at = ctx.now
