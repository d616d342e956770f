"""The demo's year of process history (issue 13 item 2): what `flask demo load` writes after the
organisation, so that an auditor, the compliance calendar and a newcomer's inbox show life."""

from __future__ import annotations

import json
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
from tests.conftest import log_in
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
    assert states[("party_lecture", "completed")] == 3  # February, May, August
    assert counts.lectures == 3
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


def test_analytics_count_each_step_of_the_demo_year_and_link_to_its_instances(demo, client, app):
    load_demo_history(DEMO_SEED)
    db.session.rollback()
    log_in(client, "chenziling", app.config["DEMO_PASSWORD"])  # the company's process auditor
    page = client.get("/audit/analytics", query_string={"process": "branch_committee_meeting"})
    html = page.get_data(as_text=True)
    table = html[html.index('id="analytics-table"') :]
    # 26 meetings were started (one cancelled before its agenda): 25 agendas set or waiting
    assert ">25</a>" in table
    assert "确定议题并通知委员" in table
    figures = json.loads(html.split('data-figures="', 1)[1].split('"', 1)[0].replace("&#34;", '"'))
    agenda = next(f for f in figures if f["element"] == "set_agenda")
    assert agenda["count"] == 26
    assert agenda["open"] == 0  # the cancelled meeting's agenda is cancelled, not open
    hold = next(f for f in figures if f["element"] == "hold_meeting")
    assert hold["open"] == 1
    assert hold["overdue_share"] > 0  # the meeting at HH01-02 not recorded in time
    found = client.get(
        "/audit/", query_string={"process": "branch_committee_meeting", "element": "decide"}
    ).get_data(as_text=True)
    assert "共找到 24 个流程" in found  # 23 decided, 1 waiting for the decision
