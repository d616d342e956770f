"""The demo's year of process history (issue 13 item 2): what `flask demo load` writes after the
organisation, so that an auditor, the compliance calendar and a newcomer's inbox show life."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.core.audit import verify_chain
from app.demo.history import load_demo_history
from app.extensions import db
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.queries import verify_step_logs
from tests.conftest import TEST_NOW
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import DEMO_SEED


def test_the_demo_year_has_meetings_in_every_state_and_verifies(demo, client, login, app):
    member = demo.holder("branch_committee")  # of the showcase branch
    counts = load_demo_history(DEMO_SEED)
    assert counts.committee_meetings >= 20
    db.session.rollback()
    states = Counter(
        db.session.execute(select(ProcessInstance.process_key, ProcessInstance.status)).all()
    )
    assert states[("branch_committee_meeting", "completed")] >= 20
    assert states[("branch_committee_meeting", "running")] == 2
    assert states[("branch_committee_meeting", "cancelled")] == 1
    assert states[("party_group_meeting", "completed")] == 11
    assert states[("branch_general_assembly", "completed")] == 3
    started = db.session.scalars(select(ProcessInstance.started_at)).all()
    assert min(started).date() < TEST_NOW.date().replace(month=1)  # a year back, not all today
    overdue = db.session.scalars(
        select(HumanTask).where(
            HumanTask.state == HumanTaskState.READY, HumanTask.due_at < TEST_NOW
        )
    ).all()
    assert [t.element_id for t in overdue] == ["hold_meeting"]
    assert verify_chain(db.session).ok
    assert verify_step_logs(db.session)[1] == []

    # The committee member of the showcase branch finds this month's decision waiting.
    login(member.login, app.config["DEMO_PASSWORD"])
    inbox = client.get("/inbox/?view=claimable").get_data(as_text=True)
    assert "集体讨论作出决定" in inbox
    # The branch's compliance calendar shows the months held.
    page = client.get(f"/orgs/{DEMO_BRANCH}").get_data(as_text=True)
    assert page.count('class="meet held"') >= 10  # committee and group meetings, month by month
