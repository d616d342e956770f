"""Dry run of a draft model at a real branch (issue 14, item 6): who would get each task, its
deadline, the path a condition takes for the sample answers — and nothing is kept."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import inspect
from sqlalchemy import text

from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.queries import list_assignments_at
from app.workflow.dry_run import dry_run
from app.workflow.dry_run_report import report_data
from app.workflow.dry_run_report import report_lines
from tests.conftest import ROOT
from tests.workflow.committee_versions import second_version

COMMITTEE = ROOT / "processes" / "meetings" / "branch_committee_meeting.bpmn"
DAY = date(2026, 11, 23)
BEIJING = ZoneInfo("Asia/Shanghai")


def _sources(xml: bytes | None = None) -> dict[str, bytes]:
    return {COMMITTEE.name: xml or COMMITTEE.read_bytes()}


def _row_counts() -> dict[str, int]:
    db.session.rollback()  # a fresh read: what is committed now
    tables = inspect(db.session.get_bind()).get_table_names()
    return {t: db.session.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables}  # noqa: S608


def _holders(role: str, org: OrgUnit) -> list[str]:
    return [
        r.display_name for r in list_assignments_at(db.session, org.id, DAY) if r.role_code == role
    ]


def _tasks(report) -> list:
    return [step for step in report.steps if step.kind == "user_task"]


def test_the_dry_run_walks_a_meeting_to_its_end_and_keeps_nothing(demo):
    before = _row_counts()
    report = dry_run(_sources(), "branch_committee_meeting", demo.branch.code, DAY)
    assert _row_counts() == before  # not a row more or less in any table
    assert report.problems == []
    assert report.finished
    assert [s.element_id for s in _tasks(report)] == [
        "set_agenda",
        "hold_meeting",
        "decide",
        "archive",
        "follow_up",
    ]
    agenda, _hold, decide, archive, _follow = _tasks(report)
    # the people holding the lane's role at the branch on the day, as the inbox would offer it
    assert agenda.candidates == _holders("branch_secretary", demo.branch) != []
    secretary = db.session.get(User, demo.holder("branch_secretary").user_id)
    assert secretary.display_name in agenda.candidates
    assert decide.candidates == _holders("branch_committee", demo.branch)
    assert len(decide.candidates) >= 5
    assert archive.candidates == _holders("org_member", demo.branch) != []
    # the real deadline: the agenda is due in 3 days (dueIn P3D) from the run's day
    assert agenda.due.astimezone(BEIJING).date() == date(2026, 11, 26)
    gateway = next(s for s in report.steps if s.element_id == "gw_decided")
    assert gateway.path == ["记录签字归档"]


def test_the_sample_answers_decide_the_path_a_condition_takes(demo):
    refused_first = {
        "decide": [
            {"outcome": "not_passed", "not_passed_reason": "意见分歧较大，会后再酝酿"},
            {"outcome": "decided"},
        ]
    }
    report = dry_run(_sources(), "branch_committee_meeting", demo.branch.code, DAY, refused_first)
    assert report.problems == []
    assert report.finished
    gateways = [s.path for s in report.steps if s.element_id == "gw_decided"]
    assert gateways == [["确定议题并通知委员"], ["记录签字归档"]]  # back to the agenda, then on
    decides = [s for s in _tasks(report) if s.element_id == "decide"]
    assert decides[0].data_in["outcome"] == "not_passed"
    assert [s.element_id for s in _tasks(report)].count("set_agenda") == 2


def test_a_draft_the_checks_refuse_is_reported_not_walked(demo):
    broken = COMMITTEE.read_bytes().replace(b'name="branch_secretary"', b'name="no_such_role"')
    before = _row_counts()
    report = dry_run(_sources(broken), "branch_committee_meeting", demo.branch.code, DAY)
    assert _row_counts() == before
    assert report.steps == []
    assert not report.finished
    assert any("no_such_role" in problem for problem in report.problems)


def test_the_command_line_prints_the_walk_in_both_languages(demo, app):
    before = _row_counts()
    data = json.dumps({"fields": {"place": "站党员活动室"}}, ensure_ascii=False)
    args = ["processes", "try", str(COMMITTEE), "--key", "branch_committee_meeting"]
    args += ["--org", demo.branch.code, "--date", "2026-11-23", "--data", data]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "role / 角色: branch_secretary" in result.output
    assert "path taken / 走向: → 记录签字归档" in result.output
    assert "站党员活动室" in result.output
    assert "problems / 问题: none / 无" in result.output
    as_json = app.test_cli_runner().invoke(args=[*args, "--json"])
    shown = json.loads(as_json.output)
    assert shown["finished"]
    assert shown["steps"][1]["due"] == "2026-11-26"
    assert _row_counts() == before


def test_what_a_domain_action_would_write_is_shown_and_not_written(demo):
    plan = ROOT / "processes" / "grading" / "branch_improvement_plan.bpmn"
    before = _row_counts()
    report = dry_run(
        {plan.name: plan.read_bytes()}, "branch_improvement_plan", demo.branch.code, DAY
    )
    assert _row_counts() == before
    assert report.problems == []
    assert report.finished
    # the evidence upload the form requires was made up for the walk (and went with it)
    implement = next(s for s in report.steps if s.element_id == "implement")
    assert "progress_evidence" in implement.data_in
    action = next(s for s in report.steps if s.element_id == "svc_plan_result")
    assert action.kind == "ServiceTask"
    assert any(
        e.startswith("+ improvement_plans:") and "outcome=improved" in e for e in action.effects
    )
    lines = report_lines(report_data(report, BEIJING))
    assert any("writes / 写入: + improvement_plans" in line for line in lines)
    # a unit role's task goes to the holders at the unit above the branch
    draft = next(s for s in report.steps if s.element_id == "draft")
    assert draft.role == "unit_org_reviewer"
    assert draft.org_name != demo.branch.name
    assert draft.candidates


REPORT_FORM = {
    "title": "向上级党组织报告会议情况",
    "x-title-en": "Report the meeting to the unit",
    "schema": {
        "type": "object",
        "properties": {
            "report": {
                "type": "string",
                "title": "报告内容",
                "x-title-en": "Report",
                "minLength": 10,
                "maxLength": 5000,
            },
            "reported_on": {
                "type": "string",
                "format": "date",
                "title": "报告日期",
                "x-title-en": "Reported on",
            },
        },
        "required": ["report", "reported_on"],
    },
}


def test_a_new_step_with_a_new_form_is_tried_before_either_is_published(demo, app):
    """The designer's case: the secretary reports to the unit within 3 working days after the
    meeting, on a form that exists only as a draft."""
    form = json.dumps(REPORT_FORM, ensure_ascii=False).encode()
    sample = {"set_agenda": {"meeting_at": "2026-11-25T09:00:00+08:00"}}
    before = _row_counts()
    report = dry_run(
        _sources(second_version("bcm_report_to_unit")),
        "branch_committee_meeting",
        demo.branch.code,
        DAY,
        sample,
        forms={"bcm_report_to_unit": form},
    )
    assert _row_counts() == before
    assert report.problems == []
    assert report.finished
    step = next(s for s in report.steps if s.element_id == "report_to_unit")
    assert step.candidates == _holders("branch_secretary", demo.branch)
    assert step.form_key == "bcm_report_to_unit"
    assert set(step.data_in) == {"report", "reported_on"}
    # Wednesday 25 November + 3 working days
    assert step.due.astimezone(BEIJING).date() == date(2026, 11, 30)
    assert not (ROOT / "forms" / "bcm_report_to_unit.json").exists()


def test_time_passes_to_a_timer_and_the_walk_goes_on(demo):
    brand = ROOT / "processes" / "grading" / "party_building_brand_creation.bpmn"
    before = _row_counts()
    report = dry_run(
        {brand.name: brand.read_bytes()}, "party_building_brand_creation", demo.branch.code, DAY
    )
    assert _row_counts() == before
    assert report.problems == []
    assert report.finished
    kinds = [s.kind for s in report.steps]
    waited = kinds.index("time_passes")
    # the cultivation period of 3 months from the registration, then the results are recorded
    assert "2027-02-23 09:00" in report.steps[waited].name
    assert report.steps[waited + 1].element_id == "cultivation"
    assert report.steps[waited + 2].element_id == "record_results"
    registered = next(s for s in report.steps if s.element_id == "svc_brand_accepted")
    assert any("created_at=2027-02-23 09:00" in e for e in registered.effects)  # Beijing time
