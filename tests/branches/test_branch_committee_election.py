"""支部委员会换届选举 at the demo branch, through the commands: the system's alert three months
before the term ends, the request sent back once, nominations refused without the 20% margin,
the assembly's count refused without the four-fifths quorum, the winners seated on the committee
and, once the unit approves, holding their posts — the old secretary's post ended, the new
secretary's inbox holding the secretary's tasks — and the branch's new three-year term."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.measured_committee import measured_committee
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.inbox.queries import View
from app.inbox.queries import list_tasks
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.branches.election_steps import ASSEMBLY_AT
from tests.branches.election_steps import TODAY
from tests.branches.election_steps import alerted
from tests.branches.election_steps import ballots
from tests.branches.election_steps import document
from tests.branches.election_steps import logins
from tests.branches.election_steps import term_ends
from tests.branches.election_steps import user_of
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

MEETING = "branch_committee_meeting"


def test_the_alert_starts_one_election_per_term_three_months_ahead(demo):
    term_ends(demo.branch.id, date(2027, 3, 1))  # more than three months away: nothing yet
    assert alerted(demo.branch.id) == []
    term_ends(demo.branch.id, date(2027, 1, 20))
    started = alerted(demo.branch.id)
    assert len(started) == 1
    assert alerted(demo.branch.id) == started  # once per term
    task = open_task(started[0])
    assert (task.element_id, task.candidate_role) == ("committee_resolution", "branch_committee")
    assert db.session.get(ProcessInstance, started[0]).business_key == "换届选举 2027-01-20"


def elect_until_seated(demo, instance_id: int, candidates: list[int], votes: dict[int, int]):
    """From the committee's resolution to the count, with the refusals on the way."""
    committee = demo.holder("branch_committee")
    secretary = demo.holder("branch_secretary")
    unit = holder_at("HH01", "unit_party_committee")
    resolution = {
        "seats": 5,
        "deputy_seat": False,
        "planned_date": "2026-12-20",
        "work_report_draft": document(committee, instance_id, "work_report_draft"),
    }
    complete_step(committee, instance_id, "committee_resolution", resolution)
    request_task = open_task(instance_id)  # due a month before the term ends
    assert request_task.due_at.astimezone(local_zone()).date() == date(2026, 12, 20)
    request = {"request_doc": document(secretary, instance_id, "request_doc")}
    complete_step(secretary, instance_id, "request", request)
    # The unit sends the request back once: it returns to the secretary.
    complete_step(unit, instance_id, "upper_reply", {"approved": False, "opinion": "名额需说明"})
    assert open_task(instance_id).element_id == "request"
    request = {"request_doc": document(secretary, instance_id, "request_doc"), "note": "已说明"}
    complete_step(secretary, instance_id, "request", request)
    reply = {
        "approved": True,
        "opinion": "同意换届",
        "reply_doc": document(unit, instance_id, "reply_doc"),
    }
    complete_step(unit, instance_id, "upper_reply", reply)

    member = demo.holder("member")
    with pytest.raises(ValidationFailed) as refused:  # five candidates for five seats: no margin
        complete_step(
            member, instance_id, "nominate", {"candidates": candidates[:5], "nominations": "酝酿"}
        )
    assert "20%" in refused.value.field_errors["candidates"]
    complete_step(
        member,
        instance_id,
        "nominate",
        {"candidates": candidates, "nominations": "各党小组酝酿推荐"},
    )
    reviewer = holder_at("HH01", "unit_org_reviewer")
    complete_step(
        reviewer, instance_id, "candidates_approval", {"approved": True, "opinion": "同意"}
    )
    org_member = demo.holder("org_member")
    prepared = {
        "rules_draft": document(org_member, instance_id, "rules_draft"),
        "scrutineers": demo.people("probationary", TODAY)[:1] or demo.people("members", TODAY)[-1:],
        "assembly_at": ASSEMBLY_AT,
    }
    complete_step(org_member, instance_id, "prepare", prepared)

    assembly = demo.holder("branch_assembly")
    full = demo.people("full_members", TODAY)
    four_fifths = len(full) * 4 // 5  # not more than four fifths: the election is not valid
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            assembly,
            instance_id,
            "election_assembly",
            {
                "attendance": {"present": full[:four_fifths]},
                "ballots": ballots(votes),
                "minutes": "选举大会记录",
            },
        )
    assert "实到 12 人，须超过五分之四" in refused.value.field_errors["ballots"]
    assert open_task(instance_id).element_id == "election_assembly"  # nothing kept
    complete_step(
        assembly,
        instance_id,
        "election_assembly",
        {"attendance": {"present": full}, "ballots": ballots(votes), "minutes": "选举大会记录"},
    )


def test_the_election_hands_the_posts_to_the_winners_and_ends_the_predecessors(demo):
    term_ends(demo.branch.id, date(2027, 1, 20))
    (instance_id,) = alerted(demo.branch.id)
    branch = demo.branch
    old_secretary = logins("branch_secretary", branch)
    old_committee = demo.people("committee", TODAY)
    full = demo.people("full_members", TODAY)
    newcomers = [p for p in full if p not in old_committee]
    # Six candidates for five seats: two newcomers and four of the old committee.
    candidates = [*newcomers[:2], *old_committee[:4]]
    assert len(set(candidates)) == 6
    n = len(full)
    majority = n // 2 + 1
    votes = {c: n - i for i, c in enumerate(candidates)}
    votes[candidates[-1]] = n // 2  # half is not more than half: not elected
    assert all(v >= majority for v in list(votes.values())[:5])
    elect_until_seated(demo, instance_id, candidates, votes)

    count = instance_data(instance_id)["count"]
    assert (count["eligible"], count["present"]) == (n, n)
    assert count["elected"] == candidates[:5]
    # Seated on the committee in the same command: the new committee holds its first meeting.
    assert sorted(demo.people("committee", TODAY)) == sorted(candidates[:5])
    first = open_task(instance_id)
    assert (first.element_id, first.candidate_role) == (
        "first_committee_meeting",
        "branch_committee",
    )
    new_secretary, organisation, propaganda, discipline = (
        candidates[0],
        candidates[1],
        candidates[2],
        candidates[3],
    )
    division = {
        "secretary": new_secretary,
        "has_deputy": False,
        "organisation": organisation,
        "propaganda": propaganda,
        "discipline": discipline,
        "minutes": "新一届支委会第一次会议，等额选举书记并分工",
    }
    with pytest.raises(ValidationFailed):  # the secretary comes from the new committee
        complete_step(
            user_actor(new_secretary),
            instance_id,
            "first_committee_meeting",
            division | {"secretary": candidates[-1]},
        )
    complete_step(user_actor(new_secretary), instance_id, "first_committee_meeting", division)
    # Until the unit approves, the old secretary stays in post.
    assert logins("branch_secretary", branch) == old_secretary
    unit = holder_at("HH01", "unit_party_committee")
    complete_step(unit, instance_id, "report_result", {"approved": False, "opinion": "分工需调整"})
    assert open_task(instance_id).element_id == "first_committee_meeting"
    complete_step(user_actor(new_secretary), instance_id, "first_committee_meeting", division)
    approval = {
        "approved": True,
        "opinion": "同意",
        "approval_doc": document(unit, instance_id, "approval_doc"),
    }
    complete_step(unit, instance_id, "report_result", approval)

    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    secretary_login = user_of(new_secretary).login
    assert logins("branch_secretary", branch) == [secretary_login]
    assert logins("branch_assembly", branch) == [secretary_login]
    assert logins("org_member", branch) == [user_of(organisation).login]
    assert logins("deputy_secretary", branch) == []  # no deputy this term
    # The day before, the old holders still read from the records.
    assert logins("branch_secretary", branch, date(2026, 11, 22)) == old_secretary
    branch = db.session.get(OrgUnit, branch.id)
    assert (branch.term_start, branch.term_end) == (TODAY, date(2029, 11, 23))
    # Rubric C01 and C04: the secretary elected here, every post held, the term running.
    points = {"C01": 4.0, "C04": 4.0}
    assert measured_committee(db.session, [branch], TODAY, points)[branch.id] == points

    # The election file lists each candidate's votes at the assembly, and the secretary chosen.
    ledger = parse_ledger(
        "committee_election_file", (ROOT / "ledgers" / "committee_election_file.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, branch, 2026, local_zone(), "zh")
    secretary_name = db.session.get(Person, new_secretary).name
    assert [(r.cells[3], r.cells[4], r.cells[6]) for r in table.rows] == [
        (db.session.get(Person, c).name, str(votes[c]), secretary_name) for c in candidates
    ]
    # The secretary's tasks now reach the new secretary, not the old one.
    old_user = db.session.scalars(select(User).where(User.login == old_secretary[0])).one()
    old_actor = Actor(user_id=old_user.id, login=old_user.login, source="test")
    with pytest.raises(Forbidden):
        run(commands.start_instance, actor=old_actor, process_key=MEETING, org_code=branch.code)
    started = run(
        commands.start_instance,
        actor=user_actor(new_secretary),
        process_key=MEETING,
        org_code=branch.code,
    )
    task = open_task(started)
    assert task.candidate_role == "branch_secretary"
    new_todo = list_tasks(db.session, View.TODO, user_of(new_secretary).id, TODAY)[0]
    assert task.id in [t.id for t in new_todo]
    old_todo = list_tasks(db.session, View.TODO, old_user.id, TODAY)[0]
    assert task.id not in [t.id for t in old_todo]
    assert told_of_return(instance_id)  # the returned steps told their submitters


def user_actor(person_id: int) -> Actor:
    user = user_of(person_id)
    return Actor(user_id=user.id, login=user.login, source="test")
