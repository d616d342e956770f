"""半年督查指导与考评 (``semiannual_supervision``, processes/grading/semiannual_supervision.bpmn):
the demo branch supervised by its unit, each step done by its role, the half-year star rating
recorded by the completion hook (app/grading/supervision/result.py).

* no findings: the instance ends at once, the branch is rated (source half_year) from the
  provisional score, closure audited as closed;
* findings rectified in time and every one closed: closed true, the 30-day timer gone;
* the 30-day deadline missed (the clock moved, the worker run): closed false, overdue true, the
  rating still recorded; a veto gives 1★;
* a two-star drop against the previous (acceptance) rating notifies the unit's reviewers;
* invalid answers are refused and change nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.ratings.commands import write_rating
from app.identity.models import OrgUnit
from app.levels.models import BranchRating
from app.notify.models import Notification
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

TEST_TODAY = TEST_NOW.date()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VETOES = ("V1", "V2", "V3", "V4", "V5", "V6")
#: Aspect scores summing to 88 (3★ band), and ones summing to 95 (5★ with no bonus).
SCORES_88 = {"A1": 12, "A2": 14, "A3": 16, "A4": 19, "A5": 13, "A6": 14}
SCORES_72 = {"A1": 10, "A2": 11, "A3": 13, "A4": 16, "A5": 10, "A6": 12}


def _start(demo) -> int:
    instance_id = run(
        commands.start_instance,
        actor=holder_at("HH01", "unit_org_reviewer"),
        process_key="semiannual_supervision",
        org_code=demo.branch.code,
    )
    return instance_id


def _check_data(scores: dict, bonus: float = 0, vetoes=(), findings=None, **extra) -> dict:
    data: dict = {
        "half_year": "2026 下半年",
        "score_bonus": bonus,
        "supervise_note": "对照评分细则逐项督查",
        **{f"score_{a}": s for a, s in scores.items()},
        **extra,
    }
    for v in VETOES:
        data[f"veto_{v}"] = "yes" if v in vetoes else "no"
        if v in vetoes:
            data[f"veto_{v}_source"] = "厂纪委 2026-21 号函"
    if findings is not None:
        data["findings"] = findings
    return data


def _supervise(instance_id: int, *args, **kwargs) -> None:
    complete_step(
        holder_at("HH01", "auditor"), instance_id, "supervise", _check_data(*args, **kwargs)
    )


def _findings(demo) -> list[dict]:
    return [
        {
            "issue": "三会一课记录不全",
            "measure": "补齐记录并建立台账",
            "owner": demo.members[0],
            "due": "2026-12-20",
        },
        {
            "issue": "主题党日活动流于形式",
            "measure": "结合生产实际制定活动计划",
            "owner": demo.members[1],
            "due": "2026-12-20",
        },
    ]


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
                {
                    "issue": f["issue"],
                    "measure": f["measure"],
                    "action_taken": "已整改到位",
                    "done_on": "2026-12-10",
                }
                for f in findings
            ],
            "rectification_evidence": evidence,
            "rectification_summary": "按督查问题逐项整改完毕",
        },
    )


def _verify(instance_id: int, findings: list[dict], closed=("yes", "yes")) -> None:
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "verify",
        {
            "closure_items": [
                {"issue": f["issue"], "closed": c} for f, c in zip(findings, closed, strict=True)
            ],
            "verify_opinion": "逐项核验",
        },
    )


def _final(instance_id: int) -> dict:
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    return json.loads(row.state_json)["data"]


def _last_rating_id() -> int:
    """The newest rating row's id (the demo data already rates branches)."""
    return db.session.scalars(select(func.max(BranchRating.id))).one() or 0


def _ratings(branch_id: int, after: int) -> list[BranchRating]:
    """The branch's ratings recorded after the row ``after``."""
    return list(
        db.session.scalars(
            select(BranchRating)
            .where(BranchRating.branch_id == branch_id, BranchRating.id > after)
            .order_by(BranchRating.id)
        )
    )


def _events(event_type: str, branch_id: int) -> list[dict]:
    return [
        json.loads(e.payload)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.event_type == event_type, AuditEvent.org_unit_id == branch_id)
            .order_by(AuditEvent.seq)
        )
    ]


def _drop_notes() -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.title.like("%建议提前复查%"))
            .order_by(Notification.id)
        )
    )


def test_no_findings_rates_the_branch_at_once(demo):
    after = _last_rating_id()
    instance_id = _start(demo)
    first = open_task(instance_id)
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    assert (first.element_id, first.candidate_role, first.org_unit_id) == (
        "supervise",
        "auditor",
        unit.id,
    )
    _supervise(instance_id, SCORES_88, bonus=3.5)  # 88 + 3.5 = 91.5: 4★
    final = _final(instance_id)
    assert (final["provisional_base"], final["provisional_score"]) == (88, 91.5)
    assert (final["has_findings"], final["has_veto"]) == (False, False)
    assert (final["closed"], final["overdue"]) == (True, False)
    (rating,) = _ratings(demo.branch.id, after)
    assert (rating.source, rating.stars, rating.rating_class, rating.has_veto) == (
        "half_year",
        4,
        "A",
        False,
    )
    assert (rating.score, rating.rated_on, rating.cycle) == (
        Decimal("91.5"),
        TEST_TODAY,
        "2026 下半年",
    )
    (event,) = _events("supervision_completed", demo.branch.id)
    assert (event["instance_id"], event["closed"], event["overdue"]) == (instance_id, True, False)
    assert (event["branch_rating_id"], event["provisional_score"]) == (rating.id, 91.5)
    (rated,) = _events("branch_rated", demo.branch.id)[-1:]
    assert (rated["source"], rated["instance_id"]) == ("half_year", instance_id)


def test_findings_rectified_and_closed_in_time(demo, clock):
    after = _last_rating_id()
    instance_id = _start(demo)
    findings = _findings(demo)
    _supervise(instance_id, SCORES_88, bonus=5, findings=findings)  # 88 + 5 = 93: 4★
    rectify = open_task(instance_id)
    assert (rectify.element_id, rectify.candidate_role, rectify.org_unit_id) == (
        "rectify",
        "branch_secretary",
        demo.branch.id,
    )
    assert _ratings(demo.branch.id, after) == []  # rated when the supervision ends
    clock.advance(days=20)
    assert run_once().timers_fired == 0  # inside the 30 days
    _rectify(demo, instance_id, findings)
    verify = open_task(instance_id)
    assert (verify.element_id, verify.candidate_role) == ("verify", "unit_org_reviewer")
    _verify(instance_id, findings)
    final = _final(instance_id)
    assert (final["provisional_bonus"], final["provisional_score"]) == (5, 93)
    assert (final["closed"], final["overdue"], final["finding_count"]) == (True, False, 2)
    assert final["rectification_reports"][1]["issue"] == "主题党日活动流于形式"
    (rating,) = _ratings(demo.branch.id, after)
    assert (rating.source, rating.stars, rating.rated_on) == (
        "half_year",
        4,
        clock.now().date(),
    )
    (event,) = _events("supervision_completed", demo.branch.id)
    assert (event["closed"], event["overdue"], event["finding_count"]) == (True, False, 2)
    clock.advance(days=30)  # the deadline timer went with the finished task
    assert run_once().timers_fired == 0


def test_a_finding_not_closed_ends_not_closed(demo):
    after = _last_rating_id()
    instance_id = _start(demo)
    findings = _findings(demo)
    _supervise(instance_id, SCORES_88, findings=findings)
    _rectify(demo, instance_id, findings)
    _verify(instance_id, findings, closed=("yes", "no"))
    final = _final(instance_id)
    assert (final["closed"], final["overdue"]) == (False, False)
    (rating,) = _ratings(demo.branch.id, after)
    assert (rating.stars, rating.source) == (3, "half_year")
    (event,) = _events("supervision_completed", demo.branch.id)
    assert (event["closed"], event["overdue"]) == (False, False)


def test_a_missed_deadline_ends_overdue_and_still_rates(demo, clock):
    after = _last_rating_id()
    instance_id = _start(demo)
    findings = _findings(demo)
    _supervise(instance_id, SCORES_88, vetoes=("V4",), findings=findings)
    rectify = open_task(instance_id)
    clock.advance(days=29)
    assert run_once().timers_fired == 0
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.RUNNING
    clock.advance(days=2)  # past 30 days
    assert run_once().timers_fired == 1
    final = _final(instance_id)
    assert (final["closed"], final["overdue"], final["vetoes_found"]) == (False, True, ["V4"])
    assert db.session.get(HumanTask, rectify.id).state is HumanTaskState.CANCELLED
    (rating,) = _ratings(demo.branch.id, after)
    assert (rating.source, rating.stars, rating.rating_class, rating.has_veto) == (
        "half_year",
        1,
        "C",
        True,
    )  # a veto gives 1★ whatever the score
    assert rating.rated_on == clock.now().date()
    (event,) = _events("supervision_completed", demo.branch.id)
    assert (event["closed"], event["overdue"], event["has_veto"]) == (False, True, True)


def test_a_two_star_drop_notifies_the_unit_reviewer(demo):
    after = _last_rating_id()
    run(
        write_rating,
        actor=SYSTEM,
        branch_id=demo.branch.id,
        score=96,
        has_veto=False,
        source="acceptance",
        rated_on=TEST_TODAY,
        cycle=2026,
    )
    assert _drop_notes() == []
    instance_id = _start(demo)
    _supervise(instance_id, SCORES_72)  # 72: 2★, three stars below 5★
    _final(instance_id)
    previous, rating = _ratings(demo.branch.id, after)
    assert (previous.source, previous.stars) == ("acceptance", 5)
    assert (rating.source, rating.stars, rating.rating_class) == ("half_year", 2, "C")
    reviewer = holder_at("HH01", "unit_org_reviewer")
    notes = _drop_notes()
    assert reviewer.user_id in {n.user_id for n in notes}
    assert all("5星降至2星" in n.title for n in notes)
    (rated,) = _events("branch_rated", demo.branch.id)[-1:]
    assert (rated["early_reinspection"], rated["previous_stars"]) == (True, 5)


def test_invalid_input_is_refused_and_changes_nothing(demo):
    after = _last_rating_id()
    instance_id = _start(demo)
    state = db.session.get(ProcessInstance, instance_id).state_json
    auditor = holder_at("HH01", "auditor")
    for wrong, field in [
        ({"half_year": "2026"}, "half_year"),
        ({"score_A4": 23}, "score_A4"),  # A4 is out of 22
        ({"score_bonus": 6}, "score_bonus"),
        ({"veto_V3": "yes"}, "veto_V3_source"),  # a veto needs its source
    ]:
        data = _check_data(SCORES_88)
        data.update(wrong)
        with pytest.raises(ValidationFailed) as refused:
            complete_step(auditor, instance_id, "supervise", data)
        assert field in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:  # an owner not on the branch's rolls
        _supervise(
            instance_id,
            SCORES_88,
            findings=[
                {"issue": "台账缺失", "measure": "补齐", "owner": 999999, "due": "2026-12-20"}
            ],
        )
    assert refused.value.field_errors
    assert db.session.get(ProcessInstance, instance_id).state_json == state
    assert open_task(instance_id).element_id == "supervise"
    findings = _findings(demo)
    _supervise(instance_id, SCORES_88, findings=findings)
    with pytest.raises(ValidationFailed) as refused:  # evidence is required
        complete_step(
            demo.holder("branch_secretary"),
            instance_id,
            "rectify",
            {
                "rectification_reports": [
                    {"issue": f["issue"], "action_taken": "已整改", "done_on": "2026-12-10"}
                    for f in findings
                ],
                "rectification_summary": "整改完毕",
            },
        )
    assert "rectification_evidence" in refused.value.field_errors
    _rectify(demo, instance_id, findings)
    with pytest.raises(ValidationFailed) as refused:  # each finding closed yes or no
        complete_step(
            holder_at("HH01", "unit_org_reviewer"),
            instance_id,
            "verify",
            {
                "closure_items": [{"issue": "三会一课记录不全", "closed": "maybe"}],
                "verify_opinion": "核验",
            },
        )
    assert refused.value.field_errors
    assert open_task(instance_id).element_id == "verify"
    assert _ratings(demo.branch.id, after) == []
    assert _events("supervision_completed", demo.branch.id) == []
