"""请示报告 through the commands at the demo branch: a request (请示) drafted by the secretary,
discussed by the committee (sent back once), submitted, returned by the unit's party committee for
revision, then approved with its reply, and carried out; a report (报告) is acknowledged, never
approved; the register lists them. Refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.branches.test_branch_line_trigger import TODAY
from tests.branches.test_branch_line_trigger import branch
from tests.branches.test_branch_line_trigger import line_branch
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(actor, instance_id: int, field: str) -> dict:
    (ref,) = run(
        store_uploads,
        actor=actor,
        task_id=open_task(instance_id).id,
        uploads=[Upload(field, "正文.pdf", PDF)],
    )[field]
    return ref


def draft(secretary, instance_id: int, doc_type: str, **more) -> None:
    answer = {
        "doc_type": doc_type,
        "subject": "关于支部委员会换届延期的请示" if doc_type == "request" else "上半年工作报告",
        "summary": "因生产任务集中，拟将换届选举推迟两个月。",
        "body": upload(secretary, instance_id, "body"),
        **more,
    }
    complete_step(secretary, instance_id, "draft", answer)


def discuss(demo, instance_id: int, agreed: bool) -> None:
    answer = {"meeting_on": TODAY.isoformat(), "agreed": agreed, "opinion": "研究意见"}
    complete_step(demo.holder("branch_committee"), instance_id, "committee_discuss", answer)


def start(demo) -> tuple[int, object]:
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="request_and_report",
        org_code=demo.branch.code,
    )
    return instance_id, secretary


def test_a_request_is_returned_once_then_approved_and_carried_out(demo):
    instance_id, secretary = start(demo)
    draft(secretary, instance_id, "request")
    discuss(demo, instance_id, agreed=False)  # the committee wants it revised first
    assert open_task(instance_id).element_id == "draft"
    assert secretary.user_id in told_of_return(instance_id)
    draft(secretary, instance_id, "request", revision_note="补充了延期理由")
    discuss(demo, instance_id, agreed=True)

    handle = open_task(instance_id)
    assert (handle.element_id, handle.candidate_role) == ("handle", "unit_party_committee")
    assert handle.due_at.astimezone(local_zone()).date() == TODAY + timedelta(days=15)
    assert instance_data(instance_id)["submitted_on"] == TODAY.isoformat()
    unit = holder_at("HH01", "unit_party_committee")
    with pytest.raises(ValidationFailed):  # a request is replied to, not merely acknowledged
        complete_step(unit, instance_id, "handle", {"outcome": "acknowledged", "reply": "已阅"})
    with pytest.raises((Forbidden, NotFound)):  # the branch does not reply to itself
        complete_step(secretary, instance_id, "handle", {"outcome": "returned", "reply": "退回"})
    assert open_task(instance_id).id == handle.id

    complete_step(unit, instance_id, "handle", {"outcome": "returned", "reply": "请说明延期期限"})
    assert open_task(instance_id).element_id == "draft"
    draft(secretary, instance_id, "request", revision_note="写明延期至明年二月")
    discuss(demo, instance_id, agreed=True)
    with pytest.raises(ValidationFailed):  # an approval needs its number and document
        complete_step(unit, instance_id, "handle", {"outcome": "approved", "reply": "同意"})
    reply = {
        "outcome": "approved",
        "reply": "同意延期至2027年2月",
        "reply_no": "采油一厂党委〔2026〕52号",
        "reply_doc": upload(unit, instance_id, "reply_doc"),
    }
    complete_step(unit, instance_id, "handle", reply)
    complete_step(
        secretary,
        instance_id,
        "implement",
        {"implemented_on": TODAY.isoformat(), "result": "已调整换届计划"},
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    ledger = parse_ledger(
        "request_report_register",
        (ROOT / "ledgers" / "request_report_register.json").read_bytes(),
    )
    table = ledger_table(db.session, ledger, demo.branch, TODAY.year, local_zone(), "zh")
    (row,) = [r for r in table.rows if "采油一厂党委〔2026〕52号" in r.cells]
    assert "关于支部委员会换届延期的请示" in row.cells


def test_a_report_is_acknowledged_and_never_approved(demo):
    instance_id, secretary = start(demo)
    draft(secretary, instance_id, "report")
    discuss(demo, instance_id, agreed=True)
    unit = holder_at("HH01", "unit_party_committee")
    with pytest.raises(ValidationFailed):
        complete_step(unit, instance_id, "handle", {"outcome": "approved", "reply": "同意"})
    complete_step(unit, instance_id, "handle", {"outcome": "acknowledged", "reply": "已阅知"})
    assert open_task(instance_id).element_id == "implement"


def test_the_demo_request_waits_for_the_units_reply(demo_year):
    code = line_branch()
    db.session.rollback()
    (task,) = db.session.scalars(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(
            ProcessDefinition.process_key == "request_and_report",
            HumanTask.state == HumanTaskState.READY,
        )
    ).all()
    assert (task.element_id, task.candidate_role) == ("handle", "unit_party_committee")
    assert db.session.get(ProcessInstance, task.instance_id).org_unit_id == branch(code).id
    assert task.due_at.astimezone(local_zone()).date() > TODAY
