"""党课 from start to end through the commands, at the demo branch: each step goes to its role, the
courseware and materials are uploads checked by their bytes, a refused outline goes once to the
lecturer for correction, and the records it leaves are the lecture's records."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from app.core.audit import verify_chain
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import open_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _pptx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return buffer.getvalue()


def _complete(actor, instance_id: int, expected_step: str, data: dict) -> None:
    task = open_task(instance_id)
    assert task.element_id == expected_step
    run(commands.complete_task, actor=actor, task_id=task.id, data=data)


def _upload(actor, instance_id: int, field: str, name: str, data: bytes) -> list[dict]:
    refs = run(
        store_uploads,
        actor=actor,
        task_id=open_task(instance_id).id,
        uploads=[Upload(field, name, data)],
    )
    return refs[field]


def _records(instance_id: int) -> dict[str, dict]:
    return {
        e.element_id: json.loads(e.submitted_json)
        for e in db.session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id, StepLogEntry.action == "task_completed")
            .order_by(StepLogEntry.seq)
        )
    }


def _plan(demo, propaganda, lecturer) -> int:
    instance_id = run(
        commands.start_instance,
        actor=propaganda,
        process_key="party_lecture",
        org_code=demo.branch.code,
    )
    plan = open_task(instance_id)
    assert (plan.element_id, plan.candidate_role) == ("plan", "propaganda_member")
    _complete(
        propaganda,
        instance_id,
        "plan",
        {
            "title": "赓续石油精神 争当岗位先锋",
            "lecturer": db.session.get(User, lecturer.user_id).person_id,
            "lecturer_type": "branch_secretary",
            "planned_month": "2026-12",
        },
    )
    return instance_id


def test_a_lecture_runs_from_plan_to_archive_with_two_rounds_of_correction(
    demo, client, login, app
):
    propaganda = demo.holder("propaganda_member")
    lecturer = demo.holder("lecturer")
    secretary = demo.holder("branch_secretary")
    outsider = db.session.scalars(
        select(Person.id).where(Person.branch_id != demo.branch.id).limit(1)
    ).one()

    instance_id = run(
        commands.start_instance,
        actor=propaganda,
        process_key="party_lecture",
        org_code=demo.branch.code,
    )
    plan = {
        "title": "赓续石油精神",
        "lecturer": outsider,
        "lecturer_type": "expert",
        "planned_month": "2026-12",
    }
    with pytest.raises(ValidationFailed) as refused:  # the picker offers the branch's rolls
        _complete(propaganda, instance_id, "plan", plan)
    assert "lecturer" in refused.value.field_errors
    lecturer_person = db.session.get(User, lecturer.user_id).person_id
    _complete(propaganda, instance_id, "plan", plan | {"lecturer": lecturer_person})

    prepare = open_task(instance_id)
    assert (prepare.element_id, prepare.candidate_role) == ("prepare", "lecturer")
    assert prepare.assignee_user_id == lecturer.user_id  # the person the plan names
    with pytest.raises(ValidationFailed) as refused:  # a picture is no courseware
        _upload(lecturer, instance_id, "outline", "讲稿.pdf", PNG)
    assert "outline" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        _complete(lecturer, instance_id, "prepare", {"outline_summary": "三个部分"})
    assert "outline" in refused.value.field_errors
    (outline,) = _upload(lecturer, instance_id, "outline", "讲稿.pdf", PDF)
    _complete(lecturer, instance_id, "prepare", {"outline": outline, "outline_summary": "三个部分"})

    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("review_content", "branch_secretary")
    with pytest.raises(ValidationFailed) as refused:  # a refusal says what to change
        _complete(secretary, instance_id, "review_content", {"content_approved": False})
    assert "changes_required" in refused.value.field_errors
    assert open_task(instance_id).element_id == "review_content"  # nothing changed
    _complete(
        secretary,
        instance_id,
        "review_content",
        {"content_approved": False, "changes_required": "补充本站典型案例，引用表述以原文为准"},
    )

    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise", "lecturer")
    returned = db.session.scalars(
        select(Notification).where(
            Notification.instance_id == instance_id, Notification.kind == "returned"
        )
    ).all()
    assert [n.user_id for n in returned] == [lecturer.user_id]  # the preparer is told
    (revised,) = _upload(lecturer, instance_id, "revised_outline", "讲稿（修改稿）.pptx", _pptx())
    _complete(
        lecturer,
        instance_id,
        "revise",
        {"revised_outline": revised, "revision_note": "已补充典型案例"},
    )

    # The revision goes back to the review, which may send it back again (a rework loop).
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("review_content", "branch_secretary")
    _complete(
        secretary,
        instance_id,
        "review_content",
        {"content_approved": False, "changes_required": "引用表述以原文为准"},
    )
    assert open_task(instance_id).element_id == "revise"
    (revised,) = _upload(lecturer, instance_id, "revised_outline", "讲稿（修改稿）.pptx", _pptx())
    _complete(
        lecturer,
        instance_id,
        "revise",
        {"revised_outline": revised, "revision_note": "已补充典型案例并核对引文"},
    )
    _complete(secretary, instance_id, "review_content", {"content_approved": True})

    notice = open_task(instance_id)
    assert (notice.element_id, notice.candidate_role) == ("notify", "propaganda_member")
    _complete(
        propaganda,
        instance_id,
        "notify",
        {"lecture_at": "2026-12-10T15:00:00+08:00", "place": "站会议室", "notified": True},
    )

    deliver = open_task(instance_id)
    assert (deliver.element_id, deliver.candidate_role) == ("deliver", "lecturer")
    members = demo.people("members", date(2026, 12, 10))  # the branch's party members that day
    not_a_member = next(p for p in demo.members if p not in members)  # an activist, say
    with pytest.raises(ValidationFailed) as refused:  # the listeners counted are party members
        _complete(
            lecturer,
            instance_id,
            "deliver",
            {"attendees": {"present": [not_a_member]}, "hours": 1.5},
        )
    assert refused.value.field_errors["attendees.present"] == "请选择本支部的党员。"
    delivered = {"attendees": {"present": members[:-2]}, "hours": 1.5}
    with pytest.raises(ValidationFailed) as refused:  # the slides or handouts are required
        _complete(lecturer, instance_id, "deliver", delivered)
    assert "materials" in refused.value.field_errors
    slides = _upload(lecturer, instance_id, "materials", "党课课件.pptx", _pptx())
    with pytest.raises(ValidationFailed) as refused:  # half-hour steps, at least half an hour
        _complete(lecturer, instance_id, "deliver", delivered | {"hours": 0.2, "materials": slides})
    assert "hours" in refused.value.field_errors
    _complete(lecturer, instance_id, "deliver", delivered | {"materials": slides})

    feedback = open_task(instance_id)
    assert (feedback.element_id, feedback.candidate_role) == ("feedback", "propaganda_member")
    _complete(
        propaganda,
        instance_id,
        "feedback",
        {"evaluation": "good", "reflection": "结合岗位实际，讲得生动"},
    )

    archive = open_task(instance_id)
    assert (archive.element_id, archive.candidate_role) == (
        "archive_and_report",
        "propaganda_member",
    )
    with pytest.raises(Forbidden):  # the archive is the propaganda member's
        run(
            commands.complete_task,
            actor=demo.holder("org_member"),
            task_id=archive.id,
            data={},
        )
    (record,) = _upload(propaganda, instance_id, "record", "党课记录.pdf", PDF)
    _complete(
        propaganda,
        instance_id,
        "archive_and_report",
        {"record": record, "reported_upward": True, "archived_by": True},
    )

    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    records = _records(instance_id)
    assert list(records) == [
        "plan",
        "prepare",
        "review_content",
        "revise",
        "notify",
        "deliver",
        "feedback",
        "archive_and_report",
    ]
    assert records["plan"]["lecturer"] == lecturer_person
    assert records["prepare"]["outline"]["type"] == "application/pdf"
    assert records["revise"]["revised_outline"]["type"] == PPTX_TYPE
    assert records["deliver"]["attendees"]["quorum_met"] is True
    assert records["deliver"]["hours"] == 1.5
    assert [f["name"] for f in records["deliver"]["materials"]] == ["党课课件.pptx"]
    assert records["archive_and_report"]["archived_by"]["user_id"] == propaganda.user_id
    assert verify_chain(db.session).ok
    login(secretary.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    for shown in ("赓续石油精神", "讲授人类别", "党课课件.pptx", "听课人员", "较好"):
        assert shown in page  # the records, in the words of the forms


def test_an_approved_outline_goes_straight_to_the_notice(demo):
    propaganda = demo.holder("propaganda_member")
    lecturer = demo.holder("lecturer")
    instance_id = _plan(demo, propaganda, lecturer)
    (outline,) = _upload(lecturer, instance_id, "outline", "讲稿.pdf", PDF)
    _complete(lecturer, instance_id, "prepare", {"outline": outline})
    _complete(
        demo.holder("branch_secretary"),
        instance_id,
        "review_content",
        {"content_approved": True, "changes_required": "(hidden: not kept)"},
    )
    assert open_task(instance_id).element_id == "notify"
    records = _records(instance_id)
    assert records["review_content"] == {"content_approved": True}
