"""The task pages of the member-education and commendation steps, as their holders open them:
each form renders, in Chinese and in English (the pickers offer the day's rolls)."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.core.commands import Actor
from app.extensions import db
from app.identity.models import Person
from tests.conftest import log_in
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_intra_party_commendation import ASSEMBLY_AT
from tests.processes.test_intra_party_commendation import nominees
from tests.processes.test_intra_party_commendation import start as start_nominations
from tests.processes.test_member_education_training import plan_session
from tests.processes.test_member_education_training import start


def page(client: FlaskClient, app, actor: Actor, instance_id: int, lang: str) -> str:
    client = app.test_client()  # a browser of the actor's own
    assert log_in(client, actor.login, app.config["DEMO_PASSWORD"]).status_code == 302
    client.set_cookie("branchflow_lang", lang)
    response = client.get(f"/inbox/tasks/{open_task(instance_id).id}")
    assert response.status_code == 200, (actor.login, response.status_code)
    return response.get_data(as_text=True)


def test_each_step_page_renders_for_its_holder_in_both_languages(demo, client, app):
    propaganda = demo.holder("propaganda_member")
    session = plan_session(demo)
    assert "登记参加党员和学时" in page(client, app, propaganda, session, "zh")
    english = page(client, app, propaganda, session, "en")
    assert "<h2>Record the session&#39;s participants and hours</h2>" in english
    assert db.session.get(Person, demo.people("members")[0]).name in english  # the day's rolls

    member = demo.holder("member")
    claim = start(member, demo, "study_hours_claim")
    assert "Claim hours of self-study or outside training" in page(client, app, member, claim, "en")

    nominations = start_nominations(demo)
    committee = demo.holder("org_member")
    assert "Propose the nominees" in page(client, app, committee, nominations, "en")
    proposed = {"nominees": nominees(demo), "nominate_branch": False, "assembly_at": ASSEMBLY_AT}
    complete_step(committee, nominations, "nominate", proposed)
    assembly = demo.holder("branch_assembly")
    assert "General assembly recommends the nominees" in page(
        client, app, assembly, nominations, "en"
    )
    assert "党员大会民主推荐" in page(client, app, assembly, nominations, "zh")
    eligible = len(demo.people("full_members"))
    vote = {"present": eligible, "for": eligible, "against": 0, "abstain": 0}
    complete_step(assembly, nominations, "assembly_vote", {"tally": vote, "discussion": "同意"})
    secretary = demo.holder("branch_secretary")
    posted = {"notice_from": "2026-12-09", "notice_to": "2026-12-15", "objection_upheld": False}
    complete_step(secretary, nominations, "publicity", posted)
    approved = {"approved": True, "opinion": "同意"}
    complete_step(holder_at("HH01", "unit_party_committee"), nominations, "unit_review", approved)
    company = holder_at("HH", "company_party_committee")
    assert "Commendation decision" in page(client, app, company, nominations, "en")
