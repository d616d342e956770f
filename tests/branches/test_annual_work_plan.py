"""支部年度工作计划与总结 at the demo branch, through the commands: the plan quotes the target the
branch declared for the year (G1) and cannot choose another, the committee returns it, the general
assembly adopts it (a second plan of the year is refused), the unit files it, then the half-year
review on 1 July and the year-end summary reported to the assembly; its register lists it."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from app.core import clock as app_clock
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import Level
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import form_card
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task
from tests.plugins.demo import set_level
from tests.plugins.demo import told_of_return
from tests.processes.test_targets import CONFIRMED
from tests.processes.test_targets import YEAR
from tests.processes.test_targets import _break_down_hh01
from tests.processes.test_targets import _declaration
from tests.processes.test_targets import _instances
from tests.processes.test_targets import _publish_company

ASSEMBLY_AT = f"{YEAR}-01-20T15:00:00+08:00"


def _declare_red_flag(demo) -> None:
    """The branch, standardised, declares 红旗 for YEAR and its committee confirms."""
    set_level(demo.branch.id, Level.STANDARDISED)
    _publish_company()
    _break_down_hh01()
    declaration = _instances("branch_target_declaration")[demo.branch.code]
    secretary = demo.holder("branch_secretary")
    complete_step(secretary, declaration, "declare_red_flag", _declaration(demo, "red_flag"))
    complete_step(demo.holder("branch_committee"), declaration, "confirm", CONFIRMED)


def _start(demo, year: int | None = YEAR) -> int:
    return run(
        commands.start_instance,
        actor=demo.holder("branch_secretary"),
        process_key="annual_work_plan_and_summary",
        org_code=demo.branch.code,
        data={} if year is None else {"year": year},
    )


def _draft(demo, level: str = "red_flag") -> dict:
    return {
        "target_level": level,
        "how_to_reach": "对照红旗党支部标准，补齐党建品牌和一带二短板",
        "key_tasks": [
            {"task": "培育“油井党旗红”党建品牌", "owner": demo.members[0], "due": f"{YEAR}-10-31"},
            {"task": "全员结对一带二", "owner": demo.members[1], "due": f"{YEAR}-06-30"},
        ],
        "calendar": [
            {"month": f"{YEAR}-01", "activity": "branch_general_assembly", "topic": "通过年度计划"},
            {"month": f"{YEAR}-03", "activity": "party_lecture", "topic": "学习党章"},
        ],
        "lecture_plan": "每季度一次党课，书记讲第一课",
        "development_plan": "发展党员1名",
    }


def _adopt(demo, instance_id: int) -> None:
    """Draft, committee and assembly: the plan adopted by the full members present."""
    complete_step(demo.holder("branch_secretary"), instance_id, "draft_plan", _draft(demo))
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "committee_review",
        {
            "committee_met_on": f"{YEAR}-01-15",
            "committee_decision": "approve",
            "committee_opinion": "同意提交党员大会",
        },
    )
    eligible = len(demo.people("full_members"))
    complete_step(
        demo.holder("branch_assembly"),
        instance_id,
        "assembly_adopt",
        {
            "assembly_at": ASSEMBLY_AT,
            "tally": {"present": eligible, "for": eligible, "against": 0, "abstain": 0},
            "assembly_discussion": "一致同意",
        },
    )


def test_the_plan_quotes_the_declared_target_and_runs_the_year(demo, clock):
    _declare_red_flag(demo)
    secretary = demo.holder("branch_secretary")
    instance_id = _start(demo)
    draft = open_task(instance_id)
    assert (draft.element_id, draft.candidate_role) == ("draft_plan", "branch_secretary")
    data = instance_data(instance_id)
    assert data["declared_target_level"] == "red_flag"
    # The target is the declared one: another level is refused, next to the field.
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "draft_plan", _draft(demo, "model"))
    assert (
        refused.value.field_errors["target_level"]
        == "请保留申报的创建目标；如需调整，须先重新申报。"
    )

    complete_step(secretary, instance_id, "draft_plan", _draft(demo))
    committee = demo.holder("branch_committee")
    returned = {
        "committee_met_on": f"{YEAR}-01-10",
        "committee_decision": "return",
        "committee_opinion": "发展计划不具体",
    }
    complete_step(committee, instance_id, "committee_review", returned)
    assert open_task(instance_id).element_id == "draft_plan"
    assert secretary.user_id in told_of_return(instance_id)
    _adopt(demo, instance_id)

    filing = open_task(instance_id)
    assert (filing.element_id, filing.candidate_role) == ("file_upward", "unit_org_reviewer")
    assert instance_data(instance_id)["adopted_on"] == app_clock.local_today().isoformat()
    reviewer = holder_at("HH01", "unit_org_reviewer")
    complete_step(reviewer, instance_id, "file_upward", {"filing_decision": "filed"})
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).next_timer_at is not None

    # A second plan for the same year is refused when its assembly adopts it.
    second = _start(demo)
    with pytest.raises(ValidationFailed) as refused:
        _adopt(demo, second)
    assert refused.value.field_errors["tally"].startswith("请修改已通过的年度计划")
    assert open_task(second).element_id == "assembly_adopt"

    clock.set(datetime(YEAR, 7, 1, 2, 0, tzinfo=UTC))  # 1 July, 10:00 in Beijing
    run_once()
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("midyear_review", "branch_secretary")
    progress = [
        {"task": "培育“油井党旗红”党建品牌", "status": "on_track"},
        {"task": "全员结对一带二", "status": "done"},
    ]
    midyear = {"progress": progress, "midyear_summary": "上半年任务按计划推进"}
    complete_step(secretary, instance_id, "midyear_review", midyear)
    run_once()  # nothing due before 1 December: the plan waits for the year's end
    db.session.rollback()
    waiting = db.session.get(ProcessInstance, instance_id)
    assert waiting.status is InstanceStatus.RUNNING
    assert waiting.next_timer_at.astimezone(UTC) == datetime(YEAR, 12, 1, 1, 0, tzinfo=UTC)

    clock.set(datetime(YEAR, 12, 1, 2, 0, tzinfo=UTC))
    run_once()
    summary = {
        "results": [{**p, "status": "done"} for p in progress],
        "target_assessment": "reached",
        "summary": "全年完成计划任务，达到红旗党支部创建目标",
        "problems_next_year": "品牌影响力有待提升；明年争创示范",
    }
    complete_step(secretary, instance_id, "annual_summary", summary)
    report = open_task(instance_id)
    assert (report.element_id, report.candidate_role) == ("summary_report", "branch_assembly")
    members = demo.people("members")
    complete_step(
        demo.holder("branch_assembly"),
        instance_id,
        "summary_report",
        {
            "report_at": f"{YEAR}-12-10T15:00:00+08:00",
            "report_attendance": {"present": members},
            "members_views": "工作扎实，同意报告",
        },
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    ledger = parse_ledger("work_plan_file", (ROOT / "ledgers" / "work_plan_file.json").read_bytes())
    table = ledger_table(db.session, ledger, demo.branch, YEAR, app_clock.local_zone(), "zh")
    row = next(r for r in table.rows if "已达到" in r.cells)
    assert row.cells[1] == "红旗党支部"
    assert "予以备案" in row.cells


def test_a_branch_without_a_declared_target_says_so(demo):
    instance_id = _start(demo, year=None)
    assert instance_data(instance_id)["plan_year"] == app_clock.local_today().year
    assert instance_data(instance_id)["declared_target_level"] == "undeclared"
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            demo.holder("branch_secretary"), instance_id, "draft_plan", _draft(demo, "standardised")
        )
    assert "target_level" in refused.value.field_errors


def test_the_draft_page_shows_the_declared_target_chosen(demo, client, login, app):
    _declare_red_flag(demo)
    secretary = demo.holder("branch_secretary")
    instance_id = _start(demo)
    login(secretary.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    card = form_card(page)
    assert '<option value="red_flag" selected' in card
    assert "只能引用" in card  # the field says the level is quoted, not chosen
