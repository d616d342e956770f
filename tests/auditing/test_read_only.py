"""A process auditor changes nothing (issue 13): every POST route of the application, walked as
the company's process auditor with a valid CSRF token and plausible data, leaves every table as it
was. Only the auditor's own session and preferences (log in and out, language, notifications read,
saved filters, API tokens) are theirs to change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import run
from app.core.db import Base
from app.extensions import db
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from tests.conftest import csrf_token

COMPANY_AUDITOR = "chenziling"
#: The auditor's own account, session and preferences, not records of the organisation.
PERSONAL = {
    "identity.login",
    "identity.logout",
    "web.set_language",
    "notify.read_all",
    "identity.create_token",
    "identity.revoke_token",
    "inbox.save_filter",
    "inbox.delete_filter",
}


def _fingerprint() -> tuple[Any, ...]:
    """Every table's row count, and the columns that commands update in place."""
    db.session.rollback()
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    )
    versions = db.session.scalar(select(func.sum(ProcessInstance.row_version)))
    tasks = tuple(
        db.session.execute(
            select(HumanTask.id, HumanTask.state, HumanTask.assignee_user_id).order_by(HumanTask.id)
        ).all()
    )
    return counts, versions, tasks


def test_every_post_route_refuses_a_process_auditor_and_changes_nothing(demo, client, login, app):
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    task_id = db.session.scalar(
        select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
        )
    )
    values = {
        "code": demo.branch.code,
        "task_id": task_id,
        "instance_id": instance_id,
        "year": 2026,
    }
    data = {
        "process_key": "branch_committee_meeting",
        "org_code": demo.branch.code,
        "year": "2026",
        "task_ids": str(task_id),
        "login": secretary.login,
        "reason": "审计员试图操作",
        "role_code": "branch_secretary",
        "month": "2026-11",
        "topics": "议题",
        "meeting_at": "2026-11-25T09:00",
        "place": "活动室",
        "name": "改名",
        "active": "0",
    }
    login(COMPANY_AUDITOR, app.config["DEMO_PASSWORD"])
    token = csrf_token(client, "/")
    before = _fingerprint()
    walked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in PERSONAL:
            continue
        path = rule.build({a: values.get(a, 1) for a in rule.arguments})[1]
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code < 500, (path, response.status_code)
        assert _fingerprint() == before, f"{path} changed records for a process auditor"
        walked.append(path)
    assert len(walked) >= 25  # every route of the app, not a sample
