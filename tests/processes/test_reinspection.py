"""复查整改与摘牌降级 (``reinspection``, processes/grading/reinspection.bpmn): the demo branch, holding
a level recorded through ``write_level``, re-inspected by its unit, each step done by its role.

* a re-check score that still reaches the held level's line keeps the level (audited only);
* a veto found downgrades to 未达标 at once and withdraws the plaque;
* a score below the line sends a rectification notice: rectified in time and passed, the level
  stays; the 3-month deadline missed (the clock moved, the worker run), the branch is delisted and
  downgraded one level;
* invalid answers are refused and change nothing; a stated level above the recorded one never
  turns a "downgrade" into an upgrade.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.levels.models import BranchLevel
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import TEST_NOW
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import set_level

TEST_TODAY = TEST_NOW.date()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VETOES = ("V1", "V2", "V3", "V4", "V5", "V6")


def _history(branch_id: int) -> list[tuple]:
    rows = db.session.scalars(
        select(BranchLevel).where(BranchLevel.branch_id == branch_id).order_by(BranchLevel.id)
    )
    return [
        (r.level.value, r.held_from, r.held_to, r.decided_by, r.plaque_no, r.delisted_on, r.reason)
        for r in rows
    ]


def _start(demo, starter: Actor, data: dict | None = None) -> int:
    instance_id = run(
        commands.start_instance,
        actor=starter,
        process_key="reinspection",
        org_code=demo.branch.code,
        data=data,
    )
    return instance_id


def _reinspect(demo, instance_id: int, score: float, vetoes=(), findings=None, **extra) -> None:
    data: dict = {"reinspect_score": score, "reinspect_note": "对照评分细则逐项复查", **extra}
    for v in VETOES:
        data[f"veto_{v}"] = "yes" if v in vetoes else "no"
        if v in vetoes:
            data[f"veto_{v}_source"] = "厂纪委 2026-21 号函"
    if findings is not None:
        data["findings"] = findings
    complete_step(holder_at("HH01", "auditor"), instance_id, "reinspect", data)


def _findings(demo) -> list[dict]:
    return [
        {
            "issue": "三会一课记录不全",
            "measure": "补齐记录并建立台账",
            "owner": demo.members[0],
            "due": "2027-01-31",
        },
        {
            "issue": "主题党日活动流于形式",
            "measure": "结合生产实际制定活动计划",
            "owner": demo.members[1],
            "due": "2027-02-15",
        },
    ]


def _notice(instance_id: int, findings: list[dict]) -> None:
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "rectification_notice",
        {
            "rectification_deadline": "自通知下达之日起3个月内",
            "rectification_items": findings,
            "notice_no": "HH01组通〔2026〕9号",
        },
    )


def _rectify(demo, instance_id: int, findings: list[dict]) -> None:
    secretary = demo.holder("branch_secretary")
    evidence = run(
        store_uploads,
        actor=secretary,
        task_id=open_task(instance_id).id,
        uploads=[Upload("rectification_evidence", "整改材料.pdf", PDF)],
    )["rectification_evidence"]
    complete_step(
        secretary,
        instance_id,
        "rectify",
        {
            "rectification_reports": [
                {"issue": f["issue"], "action_taken": "已整改到位", "done_on": "2026-12-20"}
                for f in findings
            ],
            "rectification_evidence": evidence,
            "rectification_summary": "按通知逐项整改完毕",
        },
    )


def _final(instance_id: int) -> dict:
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    return json.loads(row.state_json)["data"]


def _events(event_type: str, branch_id: int) -> list[dict]:
    return [
        json.loads(e.payload)
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.event_type == event_type, AuditEvent.org_unit_id == branch_id
            )
        )
    ]


def test_a_red_flag_branch_re_checked_and_kept(demo):
    set_level(demo.branch.id, Level.RED_FLAG)
    before = _history(demo.branch.id)
    assert before[-1][4] is not None  # the upgrade to 红旗 issued a plaque
    instance_id = _start(demo, holder_at("HH01", "unit_org_reviewer"), {"held_level": "red_flag"})
    first = open_task(instance_id)
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    assert (first.element_id, first.candidate_role, first.org_unit_id) == (
        "reinspect",
        "auditor",
        unit.id,
    )
    _reinspect(demo, instance_id, 92, held_level="red_flag")  # 92 ≥ 90: the line of 红旗
    final = _final(instance_id)
    assert (final["result"], final["outcome"], final["new_level"]) == ("kept", "kept", "red_flag")
    assert final["held_threshold"] == 90  # the default line: no thresholds in the start data
    assert "92" in final["outcome_reason"]
    assert _history(demo.branch.id) == before  # nothing written
    (event,) = _events("reinspection_level_kept", demo.branch.id)
    assert (event["instance_id"], event["level"], event["outcome"]) == (
        instance_id,
        "red_flag",
        "kept",
    )


def test_a_veto_downgrades_to_not_up_to_standard_and_withdraws_the_plaque(demo):
    set_level(demo.branch.id, Level.RED_FLAG)
    plaque = _history(demo.branch.id)[-1][4]
    instance_id = _start(demo, holder_at("HH01", "unit_org_reviewer"), {"held_level": "red_flag"})
    _reinspect(
        demo, instance_id, 98, vetoes=("V2",), held_level="red_flag", reinspect_doc="复查通报3号"
    )
    final = _final(instance_id)  # no rectification: at once
    assert (final["outcome"], final["new_level"]) == ("downgraded", "not_up_to_standard")
    assert final["vetoes_found"] == ["V2"]
    *_, held, new = _history(demo.branch.id)
    assert (held[0], held[2], held[4], held[5]) == ("red_flag", TEST_TODAY, plaque, TEST_TODAY)
    assert new[0] == "not_up_to_standard"
    assert new[3] == "复查 认定否决项，直接降为未达标 复查通报3号"
    assert "V2" in new[6]
    assert (new[4], new[5]) == (None, None)
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.NOT_UP_TO_STANDARD
    (recorded,) = _events("branch_level_recorded", demo.branch.id)[-1:]
    assert (recorded["delisted"], recorded["withdrawn_plaque"]) == (True, plaque)


def test_a_rectification_done_in_time_and_passed_keeps_the_level(demo, clock):
    set_level(demo.branch.id, Level.RED_FLAG)
    before = _history(demo.branch.id)
    instance_id = _start(
        demo,
        holder_at("HH01", "unit_org_reviewer"),
        {"held_level": "red_flag", "threshold_red_flag": 93},
    )
    findings = _findings(demo)
    _reinspect(demo, instance_id, 92, findings=findings, held_level="red_flag")  # 92 < 93
    notice = open_task(instance_id)
    assert (notice.element_id, notice.candidate_role) == (
        "rectification_notice",
        "unit_org_reviewer",
    )
    _notice(instance_id, findings)
    rectify = open_task(instance_id)
    assert (rectify.candidate_role, rectify.org_unit_id) == ("branch_secretary", demo.branch.id)
    clock.advance(days=60)
    assert run_once().timers_fired == 0  # inside the 3 months
    _rectify(demo, instance_id, findings)
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "recheck",
        {"rectified": "yes", "recheck_note": "整改到位"},
    )
    final = _final(instance_id)
    assert (final["result"], final["held_threshold"]) == ("rectify", 93)
    assert (final["outcome"], final["new_level"]) == ("kept", "red_flag")
    assert final["rectification_reports"][0]["issue"] == "三会一课记录不全"
    assert _history(demo.branch.id) == before
    assert len(_events("reinspection_level_kept", demo.branch.id)) == 1
    clock.advance(days=60)  # the deadline timer went with the finished task
    assert run_once().timers_fired == 0


def test_a_missed_deadline_delists_and_downgrades_one_level(demo, clock):
    set_level(demo.branch.id, Level.RED_FLAG)
    plaque = _history(demo.branch.id)[-1][4]
    # the company's organisation department starts by hand (no start data): the form gives the level
    instance_id = _start(demo, holder_at("HH", "company_org_dept"))
    findings = _findings(demo)
    _reinspect(demo, instance_id, 85, findings=findings, held_level="red_flag")  # 85 < 90
    _notice(instance_id, findings)
    rectify = open_task(instance_id)
    assert rectify.element_id == "rectify"
    clock.advance(days=85)
    assert run_once().timers_fired == 0
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.RUNNING
    clock.advance(days=8)  # past 3 months (2027-02-23)
    assert run_once().timers_fired == 1
    final = _final(instance_id)
    assert (final["outcome"], final["new_level"]) == ("delisted", "standardised")
    assert db.session.get(HumanTask, rectify.id).state is HumanTaskState.CANCELLED
    today = clock.now().date()
    *_, held, new = _history(demo.branch.id)
    assert (held[0], held[2], held[4], held[5]) == ("red_flag", today, plaque, today)
    assert (new[0], new[1], new[2]) == ("standardised", today, None)
    assert new[3] == "复查 逾期未完成整改，摘牌降级 HH01组通〔2026〕9号"
    assert new[6] == "限期整改期满未完成整改，摘牌降级（降一级）"
    assert new[4] is None  # a downgrade issues no plaque
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.STANDARDISED


def test_not_rectified_delists_to_the_level_the_reviewer_names(demo):
    set_level(demo.branch.id, Level.RED_FLAG)
    instance_id = _start(demo, holder_at("HH01", "unit_org_reviewer"), {"held_level": "red_flag"})
    findings = _findings(demo)
    _reinspect(demo, instance_id, 75, findings=findings, held_level="red_flag")
    _notice(instance_id, findings)
    _rectify(demo, instance_id, findings)
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "recheck",
        {
            "rectified": "no",
            "recheck_new_level": "basic",
            "recheck_note": "整改不到位",
            "recheck_doc": "HH01党发〔2027〕2号",
        },
    )
    final = _final(instance_id)
    assert (final["outcome"], final["new_level"]) == ("delisted", "basic")  # skips a level
    *_, held, new = _history(demo.branch.id)
    assert held[5] == TEST_TODAY  # the 红旗 plaque withdrawn
    assert (new[0], new[3]) == ("basic", "复查 整改不到位，摘牌降级 HH01党发〔2027〕2号")


def test_invalid_input_is_refused_and_changes_nothing(demo):
    set_level(demo.branch.id, Level.RED_FLAG)
    before = _history(demo.branch.id)
    instance_id = _start(demo, holder_at("HH01", "unit_org_reviewer"), {"held_level": "red_flag"})
    state = db.session.get(ProcessInstance, instance_id).state_json
    auditor = holder_at("HH01", "auditor")
    for wrong, field in [
        ({"held_level": "basic"}, "held_level"),  # only 标准化 and above are re-inspected
        ({"held_level": "red_flag", "reinspect_score": 120}, "reinspect_score"),
        ({"held_level": "red_flag", "veto_V3": "yes"}, "veto_V3_source"),  # a veto needs its source
    ]:
        data = {"reinspect_score": 80, "reinspect_note": "复查"}
        data.update({f"veto_{v}": "no" for v in VETOES})
        data.update(wrong)
        with pytest.raises(ValidationFailed) as refused:
            complete_step(auditor, instance_id, "reinspect", data)
        assert field in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:  # an owner not on the branch's rolls
        _reinspect(
            demo,
            instance_id,
            80,
            held_level="red_flag",
            findings=[
                {"issue": "台账缺失", "measure": "补齐", "owner": 999999, "due": "2027-01-31"}
            ],
        )
    assert refused.value.field_errors
    assert db.session.get(ProcessInstance, instance_id).state_json == state
    assert open_task(instance_id).element_id == "reinspect"
    _reinspect(demo, instance_id, 80, findings=_findings(demo), held_level="red_flag")
    _notice(instance_id, _findings(demo))
    _rectify(demo, instance_id, _findings(demo))
    with pytest.raises(ValidationFailed) as refused:  # not rectified: name the new level
        complete_step(
            holder_at("HH01", "unit_org_reviewer"),
            instance_id,
            "recheck",
            {"rectified": "no", "recheck_note": "整改不到位"},
        )
    assert "recheck_new_level" in refused.value.field_errors
    assert open_task(instance_id).element_id == "recheck"
    assert _history(demo.branch.id) == before


def test_a_stated_level_above_the_recorded_one_never_upgrades(demo):
    set_level(demo.branch.id, Level.STANDARDISED)  # the demo branch's level, no plaque
    before = _history(demo.branch.id)
    instance_id = _start(demo, holder_at("HH01", "unit_org_reviewer"), {"held_level": "model"})
    findings = _findings(demo)
    _reinspect(demo, instance_id, 85, findings=findings, held_level="model")  # wrongly stated
    _notice(instance_id, findings)
    _rectify(demo, instance_id, findings)
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "recheck",
        {"rectified": "no", "recheck_new_level": "red_flag", "recheck_note": "整改不到位"},
    )
    final = _final(instance_id)
    assert (final["outcome"], final["new_level"]) == ("delisted", "red_flag")
    assert _history(demo.branch.id) == before  # 红旗 is above the recorded 标准化: nothing written
    (event,) = _events("reinspection_level_unchanged", demo.branch.id)
    assert (event["level"], event["new_level"]) == ("standardised", "red_flag")
