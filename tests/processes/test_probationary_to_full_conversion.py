"""预备党员教育考察和转正 through the commands at the demo branch, the clock moved, not slept: the
probation's end is read from the person's record (admission date + 1 year); the quarterly reviews
loop until the probation is over; the member's own application is refused before the year is over
(rule, article, first Beijing day); the assembly is refused when dated before the probation's end,
counts those entitled from the full members on the rolls that day and, short of more than half,
goes back to the committee; the unit's approval then converts the member from the day the
probation ended — or records an extension (six months to a year, once), after which the member
applies again only when it is over — or cancels the probationary membership."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.members.dossier import dossier_rows
from app.members.probation import probation_end
from app.members.waiting_periods import add_months
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task
from tests.plugins.demo import status_roles
from tests.processes.test_activist_selection_and_cultivation import at
from tests.processes.test_activist_selection_and_cultivation import refused_until
from tests.processes.test_development_target_confirmation import upload
from tests.processes.test_placement_and_admission_oath import recorded_answers

TODAY = date(2026, 11, 23)
ARTICLE_32 = "第三十二条"
ARTICLE_33 = "第三十三条"


def tally(votes_for: int, present: int) -> dict[str, int]:
    return {"present": present, "for": votes_for, "against": present - votes_for, "abstain": 0}


def probationary(demo) -> tuple[int, date]:
    """The branch's probationary member admitted first, and the day their probation ends."""
    people = [db.session.get(Person, p) for p in demo.people("probationary", TODAY)]
    person = min(people, key=lambda p: p.admission_date)
    return person.id, probation_end(person.admission_date)


def as_person(person_id: int) -> Actor:
    user = db.session.scalars(select(User).where(User.person_id == person_id)).one()
    return Actor(user_id=user.id, login=user.login, source="test")


def started(demo, person_id: int) -> int:
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="probationary_to_full_conversion",
        org_code=demo.branch.code,
    )
    complete_step(
        org_member,
        instance_id,
        "open_probation",
        {"person": person_id, "education_plan": "每季度考察一次，参加党小组学习"},
    )
    return instance_id


def review(demo, instance_id: int, day: date, over: bool) -> None:
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "continued_review",
        {"reviewed_on": day.isoformat(), "review": "表现良好", "probation_over": over},
    )


def apply(demo, clock, instance_id: int, step: str, person_id: int, day: date) -> None:
    """The member applies on ``day`` (the clock there); the opinions are heard; the committee
    recommends."""
    at(clock, day.isoformat())
    member = as_person(person_id)
    letter = upload(member, instance_id, "application")[0]
    complete_step(member, instance_id, step, {"applied_on": day.isoformat(), "application": letter})
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "collect_opinions",
        {"group_opinion": "同意转正", "mass_opinion": "群众反映良好"},
    )
    recommend(demo, instance_id, day)


def recommend(demo, instance_id: int, day: date) -> None:
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "committee_review",
        {
            "reviewed_on": day.isoformat(),
            "recommendation": "convert",
            "committee_opinion": "同意提交支部大会",
        },
    )


def assembly(demo, day: date, outcome: str, **extra) -> dict:
    eligible = len(demo.people("full_members", day))
    return {
        "assembly_date": day.isoformat(),
        "tally": tally(eligible // 2 + 1, eligible),
        "outcome": outcome,
        "resolution": "支部大会决议",
        **extra,
    }


def approve(instance_id: int, day: date) -> None:
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "upper_approval",
        {"approved": True, "approved_on": day.isoformat(), "approval_opinion": "同意"},
    )


def test_a_member_is_converted_from_the_day_the_probation_ended(demo, clock):
    person_id, end = probationary(demo)
    instance_id = started(demo, person_id)
    assert instance_data(instance_id)["probation_end"] == end.isoformat()
    review(demo, instance_id, TODAY, over=False)  # the loop goes on: the next quarter's review
    assert open_task(instance_id).element_id == "continued_review"
    before = end - timedelta(days=10)
    at(clock, before.isoformat())
    review(demo, instance_id, before, over=True)

    application = open_task(instance_id)
    member = as_person(person_id)
    assert application.element_id == "conversion_application"
    assert application.assignee_user_id == member.user_id  # the member's own task
    letter = upload(member, instance_id, "application")[0]
    early = {"applied_on": before.isoformat(), "application": letter}
    step = "conversion_application"
    refused_until(member, instance_id, step, early, end.isoformat(), ARTICLE_32)
    at(clock, (end - timedelta(days=1)).isoformat())
    refused_until(member, instance_id, step, early, end.isoformat(), ARTICLE_32)
    at(clock, end.isoformat())
    refused_until(member, instance_id, step, early, end.isoformat(), ARTICLE_32)  # dated early
    complete_step(member, instance_id, step, early | {"applied_on": end.isoformat()})
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "collect_opinions",
        {"group_opinion": "同意转正", "mass_opinion": "群众反映良好"},
    )
    recommend(demo, instance_id, end)

    held = end + timedelta(days=3)
    at(clock, held.isoformat())
    assembly_member = demo.holder("branch_assembly")
    vote = assembly(demo, held, "convert")
    dated_early = vote | {"assembly_date": (end - timedelta(days=1)).isoformat()}
    refused_until(assembly_member, instance_id, "assembly_vote", dated_early, str(end), ARTICLE_33)
    eligible = vote["tally"]["present"]
    half = vote | {"tally": tally(eligible // 2, eligible)}  # half is not more than half
    complete_step(assembly_member, instance_id, "assembly_vote", half)
    assert open_task(instance_id).element_id == "committee_review"
    recommend(demo, instance_id, held)
    complete_step(assembly_member, instance_id, "assembly_vote", vote)
    recorded = recorded_answers(instance_id)["assembly_vote"]["tally"]
    # Those entitled: the full members on the rolls that day, the member voted on not among them.
    assert recorded["eligible"] == len(demo.people("full_members", held))
    assert person_id not in demo.people("full_members", held)
    assert db.session.get(Person, person_id).party_status is PartyStatus.PROBATIONARY

    approved_on = held + timedelta(days=20)
    at(clock, approved_on.isoformat())
    assert status_roles(person_id, approved_on) == {"probationary_member"}
    approve(instance_id, approved_on)
    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.FULL
    assert status_roles(person_id, approved_on) == {"member"}  # the account follows the status
    assert person.full_membership_date == end  # 第三十四条: from the day the probation ended

    complete_step(
        demo.holder("org_member"),
        instance_id,
        "archive",
        {"archived_on": approved_on.isoformat(), "archive_note": "入党志愿书、转正申请书"},
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    rows = {r.step.number: r for r in dossier_rows(db.session, db.session.get(Person, person_id))}
    assert [n for n in range(21, 26) if not rows[n].reached] == []
    assert [d.day for d in rows[22].done] == [end.isoformat()]
    assert rows[22].done[0].documents == ["材料.pdf"]
    assert [d.day for d in rows[23].done] == [held.isoformat(), held.isoformat()]
    assert [d.day for d in rows[24].done] == [approved_on.isoformat()]
    register = ledger_table(
        db.session,
        all_ledgers()["probation_register"],
        demo.branch,
        approved_on.year,
        local_zone(),
        "zh",
    )
    (row,) = [r for r in register.rows if r.instance_id == instance_id]
    name = db.session.get(Person, person_id).name
    assert (row.cells[0], row.cells[2], row.cells[5]) == (name, end.isoformat(), "转为正式党员")


def test_an_extended_probation_ends_with_the_extension(demo, clock):
    person_id, end = probationary(demo)
    instance_id = started(demo, person_id)
    at(clock, end.isoformat())
    review(demo, instance_id, end, over=True)
    apply(demo, clock, instance_id, "conversion_application", person_id, end)
    assembly_member = demo.holder("branch_assembly")
    too_short = assembly(demo, end, "extend", extension_until=str(end + timedelta(days=90)))
    with pytest.raises(ValidationFailed) as refused:  # 第三十三条: at least half a year
        complete_step(assembly_member, instance_id, "assembly_vote", too_short)
    bounds = str(refused.value.field_errors["extension_until"])
    assert add_months(end, 6).isoformat() in bounds  # the days the extension may end between
    assert add_months(end, 12).isoformat() in bounds
    until = end + timedelta(days=200)
    complete_step(
        assembly_member,
        instance_id,
        "assembly_vote",
        assembly(demo, end, "extend", extension_until=until.isoformat()),
    )
    approve(instance_id, end)
    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.PROBATIONARY
    assert status_roles(person_id, end) == {"probationary_member"}  # still, while extended
    recorded = db.session.scalars(
        select(PartyStatusChange).where(
            PartyStatusChange.person_id == person_id,
            PartyStatusChange.to_status == PartyStatus.PROBATIONARY,
            PartyStatusChange.instance_id == instance_id,
        )
    ).one()
    assert until.isoformat() in recorded.reason

    review(demo, instance_id, end + timedelta(days=1), over=True)  # the extension's review
    again = open_task(instance_id)
    assert again.element_id == "application_after_extension"
    member = as_person(person_id)
    letter = upload(member, instance_id, "application")[0]
    data = {"applied_on": end.isoformat(), "application": letter}
    step = "application_after_extension"
    refused_until(member, instance_id, step, data, until.isoformat(), ARTICLE_33)
    apply(demo, clock, instance_id, step, person_id, until)
    twice = assembly(demo, until, "extend", extension_until=str(until + timedelta(days=200)))
    with pytest.raises(ValidationFailed) as refused:  # extended once only
        complete_step(assembly_member, instance_id, "assembly_vote", twice)
    assert "outcome" in refused.value.field_errors
    complete_step(assembly_member, instance_id, "assembly_vote", assembly(demo, until, "convert"))
    approve(instance_id, until)
    person = db.session.get(Person, person_id)
    assert (person.party_status, person.full_membership_date) == (PartyStatus.FULL, until)
    assert status_roles(person_id, until) == {"member"}


def test_a_cancelled_probationary_membership_is_recorded(demo, clock):
    person_id, end = probationary(demo)
    instance_id = started(demo, person_id)
    at(clock, end.isoformat())
    review(demo, instance_id, end, over=True)
    apply(demo, clock, instance_id, "conversion_application", person_id, end)
    complete_step(
        demo.holder("branch_assembly"),
        instance_id,
        "assembly_vote",
        assembly(demo, end, "cancel"),
    )
    not_approved = {"approved": False, "approved_on": str(end), "approval_opinion": "请补充材料"}
    unit = holder_at("HH01", "unit_party_committee")
    complete_step(unit, instance_id, "upper_approval", not_approved)
    assert open_task(instance_id).element_id == "committee_review"  # back to the branch
    recommend(demo, instance_id, end)
    complete_step(
        demo.holder("branch_assembly"),
        instance_id,
        "assembly_vote",
        assembly(demo, end, "cancel"),
    )
    approve(instance_id, end)
    assert db.session.get(Person, person_id).party_status is PartyStatus.REMOVED
    assert status_roles(person_id, end) == set()  # no longer a probationary member's tasks
    change = db.session.scalars(
        select(PartyStatusChange).where(
            PartyStatusChange.person_id == person_id,
            PartyStatusChange.instance_id == instance_id,
        )
    ).one()
    assert (change.from_status, change.effective_on) == (PartyStatus.PROBATIONARY, end)
    assert open_task(instance_id).element_id == "archive"


def test_only_probationary_members_are_followed(demo):
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="probationary_to_full_conversion",
        org_code=demo.branch.code,
    )
    full = demo.people("full_members", TODAY)[0]
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            org_member, instance_id, "open_probation", {"person": full, "education_plan": "考察"}
        )
    assert "person" in refused.value.field_errors
