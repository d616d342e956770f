"""发展对象的确定和考察 through the commands at the demo branch: an activist filed on 23 Nov 2026
may be decided on as a development target from 23 Nov 2027 (the committee's step is refused
before, and so is a decision dated before), then filed upward, given two full members as sponsors,
reviewed politically and trained at least 24 class hours; the status follows through the domain
action, from the committee's day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_activist_selection_and_cultivation import at
from tests.processes.test_activist_selection_and_cultivation import refused_until
from tests.processes.test_activist_selection_and_cultivation import start_with_activist
from tests.processes.test_membership_application_intake import PDF

DECISION = {"agreed": True, "decided_on": "2027-11-23", "committee_opinion": "同意列为发展对象"}
ARTICLE_13 = "第十三条"


def activist(demo, clock) -> int:
    """A person made an activist on 23 Nov 2026 by the cultivation procedure."""
    instance_id, person_id = start_with_activist(demo, clock)
    at(clock, "2026-11-30")
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "file_upward",
        {"filed": True, "filed_on": "2026-11-30", "filing_opinion": "同意备案"},
    )
    return person_id


def upload(actor, instance_id: int, field: str) -> list[dict]:
    return run(
        store_uploads,
        actor=actor,
        task_id=open_task(instance_id).id,
        uploads=[Upload(field, "材料.pdf", PDF)],
    )[field]


def proposed(demo, person_id: int) -> int:
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="development_target_confirmation",
        org_code=demo.branch.code,
    )
    complete_step(org_member, instance_id, "propose", {"candidate": person_id, "within_plan": True})
    complete_step(
        org_member,
        instance_id,
        "collect_opinions",
        {"group_opinion": "同意", "contact_opinion": "同意", "mass_opinion": "群众评价良好"},
    )
    return instance_id


def test_a_development_target_is_decided_only_after_a_year_and_then_reviewed(demo, clock):
    person_id = activist(demo, clock)
    at(clock, "2027-06-01")
    instance_id = proposed(demo, person_id)
    org_member = demo.holder("org_member")
    decide = open_task(instance_id)
    assert (decide.element_id, decide.candidate_role) == ("committee_decide", "branch_committee")
    refused_until(org_member, instance_id, "committee_decide", DECISION, "2027-11-23", ARTICLE_13)
    at(clock, "2027-11-22")
    refused_until(org_member, instance_id, "committee_decide", DECISION, "2027-11-23", ARTICLE_13)
    at(clock, "2027-11-25")
    early = DECISION | {"decided_on": "2027-11-20"}  # a decision dated before the year is over
    refused_until(org_member, instance_id, "committee_decide", early, "2027-11-23", ARTICLE_13)
    assert db.session.get(Person, person_id).party_status is PartyStatus.ACTIVIST
    complete_step(org_member, instance_id, "committee_decide", DECISION)

    reviewer = holder_at("HH01", "unit_org_reviewer")
    returned = {"filed": False, "filed_on": "2027-11-25", "filing_opinion": "请补充群众意见"}
    complete_step(reviewer, instance_id, "file_upward", returned)  # returned once
    assert open_task(instance_id).element_id == "revise_decision"
    revised = DECISION | {"revision_note": "补充群众座谈意见"}
    complete_step(org_member, instance_id, "revise_decision", revised)
    assert db.session.get(Person, person_id).party_status is PartyStatus.ACTIVIST
    complete_step(
        reviewer,
        instance_id,
        "file_upward",
        {"filed": True, "filed_on": "2027-11-25", "filing_opinion": "同意备案"},
    )
    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.DEVELOPMENT_TARGET
    assert person.development_target_date == date(2027, 11, 23)

    full = demo.people("full_members", date(2027, 11, 25))
    with pytest.raises(ValidationFailed):  # exactly two sponsors
        complete_step(org_member, instance_id, "assign_sponsors", {"sponsors": full[:1]})
    with pytest.raises(ValidationFailed):  # full members only
        complete_step(
            org_member, instance_id, "assign_sponsors", {"sponsors": [full[0], person_id]}
        )
    complete_step(org_member, instance_id, "assign_sponsors", {"sponsors": full[:2]})

    complete_step(
        org_member,
        instance_id,
        "political_review",
        {
            "review_scope": ["self", "relatives", "relations"],
            "review_letters": upload(org_member, instance_id, "review_letters"),
            "review_conclusion": "政治合格",
            "concluded_on": "2027-11-25",
        },
    )
    unit = holder_at("HH01", "unit_party_committee")
    training = {
        "class_hours": 16,
        "training_end": "2027-11-25",
        "certificate": upload(unit, instance_id, "certificate")[0],
    }
    with pytest.raises(ValidationFailed) as refused:  # 第十六条: at least 24 class hours
        complete_step(unit, instance_id, "centralised_training", training)
    assert "class_hours" in refused.value.field_errors
    complete_step(unit, instance_id, "centralised_training", training | {"class_hours": 24})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED


def test_only_activists_are_proposed(demo):
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="development_target_confirmation",
        org_code=demo.branch.code,
    )
    full_member = db.session.scalars(
        select(Person.id).where(
            Person.branch_id == demo.branch.id, Person.party_status == PartyStatus.FULL
        )
    ).first()
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            org_member, instance_id, "propose", {"candidate": full_member, "within_plan": True}
        )
    assert "candidate" in refused.value.field_errors
