"""The demo's member development across its branches (``load_development_elsewhere``): at each
branch an applicant whose talk is due within the month, an activist whose half-yearly assessment
falls due, at some a development target in centralised training — and every one of them developed
without a procedural defect (the demo shows the procedures followed)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core.clock import local_zone
from app.demo.development import load_development_elsewhere
from app.demo.development import load_member_development
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.members.development_defects import person_defects
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import holder_at
from tests.processes.test_activist_selection_and_cultivation import refused_until

TODAY = date(2026, 11, 23)  # the tests' clock


def open_steps(person: Person) -> list[tuple[str, date]]:
    """The open development steps about ``person`` and the Beijing day each is due."""
    found = []
    for task in db.session.scalars(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            HumanTask.state == HumanTaskState.READY,
            ProcessInstance.org_unit_id == person.branch_id,
            ProcessInstance.process_key.in_(
                (
                    "membership_application_intake",
                    "activist_selection_and_cultivation",
                    "development_target_confirmation",
                )
            ),
        )
    ):
        answers = earlier_answers(db.session, task.instance_id)
        if person.id == answers.get("candidate") or (
            answers.get("employee_no") == person.employee_no
        ):
            due = task.due_at.replace(tzinfo=task.due_at.tzinfo or local_zone())
            found.append((task.element_id, due.astimezone(local_zone()).date()))
    return found


def test_each_demo_branch_has_development_work_waiting_and_no_defect(demo, clock):
    assert load_development_elsewhere(local_zone(), TODAY) == 8
    assert load_member_development(DEMO_BRANCH, local_zone()) == 4
    db.session.rollback()
    people = {
        p.employee_no: p
        for p in db.session.scalars(select(Person).where(Person.employee_no.like("HH-DEV-%")))
    }
    branches = {p.employee_no: db.session.get(OrgUnit, p.branch_id).code for p in people.values()}
    assert {branches[n] for n in people} == {"HH01-01", "HH01-02", "HH02-01", "HH03-10"}
    waiting = {n: (p.party_status.value, open_steps(p)) for n, p in people.items()}
    for applicant in ("HH-DEV-101", "HH-DEV-201", "HH-DEV-301"):  # handed in 12 days ago
        assert waiting[applicant] == ("applicant", [("interview", date(2026, 12, 11))])
    for activist in ("HH-DEV-102", "HH-DEV-302"):  # decided 23 May + 9 days, due 6 months on
        assert waiting[activist] == ("activist", [("first_review", date(2026, 12, 1))])
    status, ((element, due),) = waiting["HH-DEV-202"]
    assert (status, element) == ("activist", "second_review")
    assert TODAY < due < date(2026, 12, 31)
    for target in ("HH-DEV-103", "HH-DEV-303"):
        assert waiting[target][0] == "development_target"
        assert [s for s, _ in waiting[target][1]] == ["centralised_training"]
    for person in people.values():
        assert person_defects(db.session, person) == [], person.employee_no

    # the second assessment is refused until half a year after the first (细则第十二条)
    instance_id = db.session.scalars(
        select(HumanTask.instance_id)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            HumanTask.element_id == "second_review",
            HumanTask.state == HumanTaskState.READY,
            ProcessInstance.org_unit_id == people["HH-DEV-202"].branch_id,
        )
    ).one()
    review = {"reviewed_on": str(TODAY), "second_assessment": "表现良好"}
    refused_until(
        holder_at("HH02-01", "org_member"),
        instance_id,
        "second_review",
        review,
        str(due),
        "第十二条",
    )
