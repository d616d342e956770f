"""Whom a development procedure is about becomes its business key when the step naming the person
is completed (``subjectFrom``): the applicant's name at registration, the candidate's at the
recommendation — so the inbox and the task page tell apart the same step of two people."""

from __future__ import annotations

from app.core.commands import run
from app.extensions import db
from app.workflow import commands
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.processes.test_membership_application_intake import APPLICATION
from tests.processes.test_membership_application_intake import receive


def test_the_person_names_the_instance_once_the_step_naming_them_is_done(demo, client, login, app):
    intake_id, person_id = receive(demo)
    assert db.session.get(ProcessInstance, intake_id).business_key == APPLICATION["applicant_name"]

    member = demo.holder("member")
    cultivation = run(
        commands.start_instance,
        actor=member,
        process_key="activist_selection_and_cultivation",
        org_code=demo.branch.code,
    )
    assert db.session.get(ProcessInstance, cultivation).business_key is None
    recommendation = {
        "candidate": person_id,
        "recommend_type": "member",
        "recommend_reason": "工作积极肯干",
    }
    complete_step(member, cultivation, "recommend", recommendation)
    assert db.session.get(ProcessInstance, cultivation).business_key == "林晓东"

    login(demo.holder("org_member").login, app.config["DEMO_PASSWORD"])
    inbox = client.get("/inbox/?view=claimable").get_data(as_text=True)
    decide = inbox.index("支委会研究确定入党积极分子")
    assert "林晓东" in inbox[decide : decide + 600]
