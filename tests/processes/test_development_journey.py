"""One person carried at the demo branch from the written application to full membership through
the six development procedures, the clock moved (never slept) by each minimum duration the
regulation sets: the talk within a month, a year of cultivation with half-yearly reviews, the
notice of 5 working days, the assembly after the pre-review, a year of probation. At the end the
person is a full member with each key date as the procedures recorded it, the development dossier
lists all 25 steps with their days in order and who acted, and the defect finder finds nothing.

Each procedure has its helper here; the steps' data come from the procedures' own scenario
tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.commands.users import create_user
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.identity.models import User
from app.members.development_defects import person_defects
from app.members.dossier import dossier_rows
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_tasks
from tests.plugins.demo import status_roles
from tests.processes.test_activist_selection_and_cultivation import as_actor
from tests.processes.test_activist_selection_and_cultivation import at
from tests.processes.test_activist_selection_and_cultivation import start_with_activist
from tests.processes.test_development_target_confirmation import DECISION as TARGET_DECISION
from tests.processes.test_development_target_confirmation import proposed
from tests.processes.test_development_target_confirmation import upload
from tests.processes.test_placement_and_admission_oath import groups_of
from tests.processes.test_probationary_member_admission import PRE_REVIEW
from tests.processes.test_probationary_member_admission import _fill_form as filled_in
from tests.processes.test_probationary_to_full_conversion import approve
from tests.processes.test_probationary_to_full_conversion import assembly
from tests.processes.test_probationary_to_full_conversion import recommend

#: The days the journey's steps are dated, each as early as the regulation allows.
APPLIED, TALKED, ACTIVIST = date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 23)
TARGET = date(2027, 11, 23)  # a year of cultivation (第十三条)
NOTICE_START, PRE_REVIEWED = date(2027, 11, 29), date(2027, 12, 6)  # 5 working days of notice
ASSEMBLY = date(2027, 12, 7)  # the day after the pre-review (第五章)
APPROVED = date(2027, 12, 15)
PROBATION_END = date(2028, 12, 7)  # a year from the assembly (第三十二条)
CONVERTED_BY_ASSEMBLY, CONVERSION_APPROVED = date(2028, 12, 8), date(2028, 12, 20)


def applied_and_talked_to(demo, clock) -> tuple[int, int]:
    """Steps 1-3: (the cultivation's instance, the person), the letter of 20 Nov 2026 received,
    the talk held on 23 Nov 2026 by a committee member, the person decided on as an activist the
    same day and the notice begun."""
    instance_id, person_id = start_with_activist(demo, clock)  # 入党申请 received, then recommended
    intake = db.session.scalars(
        select(ProcessInstance.id)
        .where(ProcessInstance.process_key == "membership_application_intake")
        .order_by(ProcessInstance.id.desc())
        .limit(1)
    ).one()
    secretary = demo.holder("branch_secretary")
    talker = db.session.scalars(
        select(User).where(
            User.person_id.in_(demo.people("committee", TALKED)), User.id != secretary.user_id
        )
    ).first()
    complete_step(secretary, intake, "assign_talker", {"talker": talker.person_id})
    complete_step(
        as_actor(talker),
        intake,
        "interview",
        {"talked_on": TALKED.isoformat(), "talk_record": "了解入党动机，鼓励其加强理论学习。"},
    )
    assert db.session.get(ProcessInstance, intake).status is InstanceStatus.COMPLETED
    assert db.session.get(ProcessInstance, intake).business_key == "林晓东"  # the letter's person
    return instance_id, person_id


def cultivated(demo, clock, instance_id: int) -> None:
    """Steps 4-6: filed, two contacts, reviews half a year apart, the year's summary."""
    at(clock, "2026-11-30")
    filed = {"filed": True, "filed_on": "2026-11-30", "filing_opinion": "同意备案"}
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "file_upward", filed)
    org_member = demo.holder("org_member")
    contacts = demo.people("full_members", date(2026, 11, 30))[:2]
    complete_step(org_member, instance_id, "assign_contacts", {"contacts": contacts})
    for task in open_tasks(instance_id, "cultivate"):
        contact = db.session.get(User, task.assignee_user_id)
        run(
            commands.complete_task,
            actor=as_actor(contact),
            task_id=task.id,
            data={"cultivation_record": "吸收参加主题党日，每季度听取思想汇报"},
        )
    at(clock, "2027-01-15")
    first = {"first_review_on": "2027-01-15", "first_assessment": "表现积极"}
    complete_step(org_member, instance_id, "first_review", first)
    at(clock, "2027-07-15")
    second = {"reviewed_on": "2027-07-15", "second_assessment": "进步明显"}
    complete_step(org_member, instance_id, "second_review", second)
    at(clock, TARGET.isoformat())
    summary = {"gate_on": TARGET.isoformat(), "year_summary": "一年来表现良好"}
    complete_step(org_member, instance_id, "year_gate", summary | {"ready_for_target": True})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED


def made_development_target(demo, clock, person_id: int) -> list[int]:
    """Steps 7-11 on 23-25 Nov 2027; the sponsors chosen."""
    instance_id = proposed(demo, person_id)
    org_member = demo.holder("org_member")
    complete_step(org_member, instance_id, "committee_decide", TARGET_DECISION)
    at(clock, "2027-11-25")
    filed = {"filed": True, "filed_on": "2027-11-25", "filing_opinion": "同意备案"}
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "file_upward", filed)
    sponsors = demo.people("full_members", date(2027, 11, 25))[:2]
    complete_step(org_member, instance_id, "assign_sponsors", {"sponsors": sponsors})
    review = {
        "review_scope": ["self", "relatives", "relations"],
        "review_letters": upload(org_member, instance_id, "review_letters"),
        "review_conclusion": "政治合格",
        "concluded_on": "2027-11-25",
    }
    complete_step(org_member, instance_id, "political_review", review)
    unit = holder_at("HH01", "unit_party_committee")
    training = {
        "class_hours": 24,
        "training_end": "2027-11-25",
        "certificate": upload(unit, instance_id, "certificate")[0],
    }
    complete_step(unit, instance_id, "centralised_training", training)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    return sponsors


def admitted(demo, clock, person_id: int, sponsors: list[int]) -> int:
    """Steps 12-18: the admission's instance; the person probationary from the assembly."""
    at(clock, "2027-11-26")
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="probationary_member_admission",
        org_code=demo.branch.code,
    )
    review = {
        "candidate": person_id,
        "sponsors": sponsors,
        "materials_complete": True,
        "agreed": True,
        "reviewed_on": "2027-11-26",
        "committee_opinion": "发展对象具备党员条件，材料齐全，同意报上级党委预审",
    }
    complete_step(org_member, instance_id, "committee_review", review)
    notice = {
        "publicity_start": NOTICE_START.isoformat(),
        "publicity_end": "2027-12-03",
        "publicity_place": "站务公开栏",
    }
    complete_step(org_member, instance_id, "publicity", notice)
    at(clock, PRE_REVIEWED.isoformat())
    pre_review = PRE_REVIEW | {"pre_reviewed_on": PRE_REVIEWED.isoformat()}
    complete_step(
        holder_at("HH01", "unit_org_reviewer"), instance_id, "upper_pre_review", pre_review
    )
    filled_in(instance_id, person_id, PRE_REVIEWED.isoformat())
    at(clock, ASSEMBLY.isoformat())
    votes_for = len(demo.people("full_members", ASSEMBLY)) // 2 + 1
    vote = {
        "assembly_date": ASSEMBLY.isoformat(),
        "tally": {"present": votes_for, "for": votes_for, "against": 0, "abstain": 0},
        "resolution": "支部大会表决，同意接收为预备党员",
    }
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_vote", vote)
    at(clock, "2027-12-13")
    talk = {"interviewed_on": "2027-12-13", "interview_record": "入党动机端正，对党的认识清楚"}
    complete_step(holder_at("HH01", "unit_organizer"), instance_id, "upper_interview", talk)
    at(clock, APPROVED.isoformat())
    decision = {
        "approved": "approved",
        "approved_on": APPROVED.isoformat(),
        "approval_opinion": "同意接收为预备党员",
    }
    complete_step(
        holder_at("HH01", "unit_party_committee"), instance_id, "upper_approval", decision
    )
    at(clock, "2027-12-17")
    complete_step(
        holder_at("HH", "company_org_dept"),
        instance_id,
        "filing_upper_upper",
        {"filed_on": "2027-12-17"},
    )
    return instance_id


def placed_and_sworn_in(demo, person_id: int) -> int:
    """Steps 19-20 on 20 Dec 2027, the oath led by a full member before the branch."""
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="placement_and_admission_oath",
        org_code=demo.branch.code,
    )
    placement = {
        "person": person_id,
        "placed_on": "2027-12-20",
        "dues_from": "2027-12",
        "party_group": groups_of(demo.branch.code)[0],
    }
    complete_step(secretary, instance_id, "place_in_group", placement)
    day = date(2027, 12, 20)
    ceremony = {
        "oath_at": "2027-12-20T15:00:00+08:00",
        "oath_takers": [person_id],
        "presiding": demo.people("full_members", day)[0],
        "attendance": {"present": demo.people("members", day)[:5]},
    }
    complete_step(holder_at("HH01", "unit_party_committee"), instance_id, "oath_ceremony", ceremony)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    return instance_id


def converted(demo, clock, person_id: int) -> int:
    """Steps 21-25: reviewed each quarter, the member's application when the year is over, the
    assembly, the unit's approval, the archive."""
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="probationary_to_full_conversion",
        org_code=demo.branch.code,
    )
    plan = {"person": person_id, "education_plan": "每季度考察一次，参加党小组学习"}
    complete_step(org_member, instance_id, "open_probation", plan)
    for day, over in ((date(2028, 3, 20), False), (PROBATION_END, True)):
        at(clock, day.isoformat())
        review = {"reviewed_on": day.isoformat(), "review": "表现良好", "probation_over": over}
        complete_step(org_member, instance_id, "continued_review", review)
    member = as_actor(db.session.scalars(select(User).where(User.person_id == person_id)).one())
    letter = upload(member, instance_id, "application")[0]
    applied = {"applied_on": PROBATION_END.isoformat(), "application": letter}
    complete_step(member, instance_id, "conversion_application", applied)
    opinions = {"group_opinion": "同意转正", "mass_opinion": "群众反映良好"}
    complete_step(org_member, instance_id, "collect_opinions", opinions)
    recommend(demo, instance_id, PROBATION_END)
    at(clock, CONVERTED_BY_ASSEMBLY.isoformat())
    vote = assembly(demo, CONVERTED_BY_ASSEMBLY, "convert")
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_vote", vote)
    at(clock, CONVERSION_APPROVED.isoformat())
    approve(instance_id, CONVERSION_APPROVED)
    archived = {"archived_on": CONVERSION_APPROVED.isoformat(), "archive_note": "入党材料归档"}
    complete_step(org_member, instance_id, "archive", archived)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    return instance_id


def with_account(person_id: int) -> None:
    """The applicant gets a user account (for the application form and the conversion letter,
    which are their own tasks)."""
    name = db.session.get(Person, person_id).name
    run(
        create_user,
        actor=SYSTEM,
        login="lin.xiaodong",
        password="journey-password-2026",
        display_name=name,
        person_id=person_id,
    )


def test_an_applicant_becomes_a_full_member_through_the_25_steps(demo, clock):
    cultivation, person_id = applied_and_talked_to(demo, clock)
    with_account(person_id)
    cultivated(demo, clock, cultivation)
    sponsors = made_development_target(demo, clock, person_id)
    later = [
        admitted(demo, clock, person_id, sponsors),
        placed_and_sworn_in(demo, person_id),
        converted(demo, clock, person_id),
    ]

    db.session.rollback()
    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.FULL
    assert (person.application_date, person.activist_date) == (APPLIED, ACTIVIST)
    assert (person.development_target_date, person.admission_date) == (TARGET, ASSEMBLY)
    assert person.full_membership_date == PROBATION_END  # 第三十四条: when the probation ended

    rows = dossier_rows(db.session, person)
    assert [r.step.number for r in rows if r.reached] == list(range(1, 26))
    first_days = [row.done[0].day[:10] for row in rows]
    assert first_days == sorted(first_days)
    assert (first_days[0], first_days[-1]) == (APPLIED.isoformat(), "2028-12-20")
    assert all(done.actor for row in rows for done in row.done)  # who acted, at every step
    by_step = {row.step.number: row.done[0] for row in rows}
    assert by_step[14].actor == person.name  # the application form: the person's own task
    assert by_step[22].actor == person.name  # and so the application for full membership
    assert by_step[15].actor != by_step[17].actor  # the assembly, then the unit's committee
    assert person_defects(db.session, person) == []
    # The account's roles followed: a probationary member's from the admission's approval to the
    # day before the conversion's, a full member's since.
    assert status_roles(person_id, APPROVED) == {"probationary_member"}
    assert status_roles(person_id, CONVERSION_APPROVED) == {"member"}
    # The inbox tells one person's admission, placement and conversion from another's.
    keys = [db.session.get(ProcessInstance, i).business_key for i in later]
    assert keys == [person.name] * 3
