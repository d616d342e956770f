"""The demo's year of process history (issue 13 item 2): what `flask demo load` writes after the
organisation, so that an auditor, the compliance calendar and a newcomer's inbox show life."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import select

from app.core.audit import verify_chain
from app.extensions import db
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.models import GradingCycle
from app.identity.models import OrgUnit
from app.levels.models import BranchLevel
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import Incident
from app.workflow.models import ProcessInstance
from app.workflow.queries import verify_step_logs
from tests.conftest import TEST_NOW
from tests.conftest import log_in
from tests.plugins.demo import DEMO_BRANCH


def test_the_demo_year_has_meetings_in_every_state_and_verifies(demo_year, client, login, app):
    member = demo_year.holder("branch_committee")  # of the showcase branch
    counts = demo_year.counts
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
    assert states[("themed_party_day", "completed")] == counts.themed_days == 11  # monthly
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


def test_analytics_count_each_step_of_the_demo_year_and_link_to_its_instances(
    demo_year, client, app
):
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


def _stages(process_key: str) -> dict[str, tuple[str, list[str]]]:
    """Branch code → (instance status, its open steps) for the demo's instances of a process."""
    rows = db.session.execute(
        select(OrgUnit.code, ProcessInstance.status, HumanTask.element_id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .outerjoin(
            HumanTask,
            (HumanTask.instance_id == ProcessInstance.id)
            & (HumanTask.state == HumanTaskState.READY),
        )
        .where(ProcessInstance.process_key == process_key)
    ).all()
    stages: dict[str, tuple[str, list[str]]] = {}
    for code, status, element in rows:
        stages.setdefault(code, (status, []))[1].extend([element] if element else [])
    return {code: (status, sorted(steps)) for code, (status, steps) in stages.items()}


def test_the_demo_year_has_a_grading_cycle_with_work_waiting_at_each_stage(demo_year, client, app):
    counts = demo_year.counts
    db.session.rollback()
    assert (counts.cycle.branches, counts.cycle.advanced) == (15, 6)
    stages = _stages("grading_cycle")
    assert len(stages) == 15  # every branch of HH01
    assert stages["HH01-01"] == ("running", ["unit_review", "veto_check"])
    assert stages["HH01-02"] == ("running", ["acceptance_sample"])
    assert stages["HH01-03"] == ("completed", [])  # the unit decided 基本达标 itself
    assert stages["HH01-04"] == ("running", ["company_acceptance"])
    assert stages["HH01-05"] == ("running", ["self_assessment"])  # the vote did not pass
    assert stages["HH01-06"] == ("running", ["committee_resolution"])
    assert stages["HH01-07"] == ("running", ["self_assessment"])
    level = db.session.scalars(
        select(BranchLevel).where(BranchLevel.branch_id == _branch_id("HH01-03"))
    ).all()[-1]
    assert level.level.value == "basic"  # kept: the cycle did not invent a change

    # The unit's reviewer finds the showcase branch's self-assessment waiting in the inbox, and
    # the cycle page counts the branches per stage.
    log_in(client, "yangzhizhen", app.config["DEMO_PASSWORD"])
    inbox = client.get("/inbox/?view=claimable").get_data(as_text=True)
    assert "二级单位审核" in inbox
    department = app.test_client()
    log_in(department, "zhaowenlei", app.config["DEMO_PASSWORD"])  # the company's org dept
    cycle_id = db.session.scalar(select(GradingCycle.id))
    page = department.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert "待抽样确定验收方式" in page
    assert "已定级" in page
    progress = cycle_progress(db.session, cycle_id)
    assert progress.total == 15
    assert progress.counts["self_assessment"] == 10  # nine not yet submitted, one sent back
    assert progress.counts["acceptance_sample"] == 1
    assert progress.counts["company_acceptance"] == 1
    assert progress.counts["completed"] == 1
    assert progress.levels == {"basic": 1}


def test_the_auditor_finds_the_incidents_and_each_state_and_the_year_verifies(
    demo_year, client, app
):
    counts = demo_year.counts
    db.session.rollback()
    assert counts.targets.incidents == 2
    incidents = db.session.scalars(select(Incident).order_by(Incident.id)).all()
    assert len(incidents) == 2
    assert {i.element_id for i in incidents} == {"svc_store_target"}
    assert all("2027年度的创建目标已经确定" in i.message for i in incidents)
    assert all(i.resolved_at is None for i in incidents)
    stopped = {i.instance_id for i in incidents}

    log_in(client, "cuisiwei", app.config["DEMO_PASSWORD"])  # HH01's process auditor
    ids = db.session.scalars(select(ProcessInstance.id)).all()

    def found(**args: str) -> set[int]:
        page = client.get("/audit/", query_string=args).get_data(as_text=True)
        return {i for i in ids if f'href="/audit/instances/{i}"' in page}

    assert found(incident="1") == stopped
    assert found(process="grading_cycle", status="completed") == {
        db.session.scalar(
            select(ProcessInstance.id).where(
                ProcessInstance.process_key == "grading_cycle",
                ProcessInstance.status == "completed",
            )
        )
    }
    assert len(found(status="cancelled")) == 1  # the committee meeting the unit cancelled
    assert found(process="grading_cycle", org="HH01-01", status="running") != set()

    runner = app.test_cli_runner()
    replay = runner.invoke(args=["audit", "replay", "--all"])
    assert replay.exit_code == 0, replay.output
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def _branch_id(code: str) -> int:
    return db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()
