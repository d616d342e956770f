"""The issue's "done when", as a new designer would meet it: a review that sends work back, a task
for each committee member, and a deadline of "3 days before the meeting" — checked, deployed and
run to the end through the commands."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from app.core.commands import run
from app.extensions import db
from app.identity.queries import get_user_by_login
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.people import FIXTURES
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks

MODEL = FIXTURES / "bpmn" / "committee_notice_review.bpmn"


def _complete(login: str, task_id: int, data: dict | None = None) -> None:
    run(commands.complete_task, actor=actor(login), task_id=task_id, data=data or {})


def test_a_first_model_checks_deploys_and_runs_to_the_end(app, people, committee):
    checked = app.test_cli_runner().invoke(args=["processes", "check", str(MODEL)])
    assert checked.exit_code == 0, checked.output
    assert "可以部署" in checked.output
    deploy(MODEL.name)

    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="committee_notice_review",
        org_code=people.tree.branch1,
        data={"meeting_at": "2026-12-10T09:00:00+08:00", "members": committee},
    )
    for round_ in range(3):  # sent back twice, approved the third time
        (draft,) = open_tasks(instance_id)
        assert draft.element_id == "draft_notice"
        # 3 days before 10 December, 09:00 Beijing time
        assert draft.due_at.replace(tzinfo=UTC) == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
        _complete("sec1", draft.id, {"notice": f"第{round_ + 1}稿"})
        (review,) = open_tasks(instance_id)
        assert review.element_id == "review_notice"
        _complete("rev1", review.id, {"approved": round_ == 2, "comment": "请修改"})

    signatures = open_tasks(instance_id)
    assert sorted(t.element_id for t in signatures) == ["sign"] * 3
    login_of = {get_user_by_login(db.session, login).id: login for login in ("m1", "m2", "m3")}
    assert {t.assignee_user_id for t in signatures} == set(login_of)  # each member's own task
    for task in signatures:
        _complete(login_of[task.assignee_user_id], task.id, {"signed": True})

    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
