"""The instance page: visible to whoever's roles reach its organisation; managers act on it."""

from __future__ import annotations

import pytest

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.commands import revoke_role
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.conftest import csrf_token
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks
from tests.workflow.test_tasks import ITEMS


@pytest.fixture
def instance_id(people):
    deploy("two_step.bpmn")
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )


def test_the_page_shows_the_timeline_and_the_diagram_states(client, login, instance_id):
    login("sec1")
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "两步审批" in page
    assert "发起了流程" in page  # the timeline, in Chinese
    diagram = client.get(f"/instances/{instance_id}/diagram.json").get_json()
    assert diagram["has_layout"] is True
    assert 'id="two_step"' in diagram["xml"]
    assert diagram["states"]["start"] == "completed"
    assert diagram["states"]["draft"] == "active"
    assert "review" not in diagram["states"]


def test_whoever_worked_on_it_still_sees_it_after_losing_the_role(
    client, login, people, instance_id
):
    make_user("sec1b")
    assignment = grant("sec1b", "branch_secretary", people.tree.branch1)
    (draft,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1b"), task_id=draft.id, data=ITEMS)
    run(revoke_role, actor=SYSTEM, assignment_id=assignment, reason="调离")
    login("sec1b")
    assert client.get(f"/instances/{instance_id}").status_code == 200
    assert client.get(f"/instances/{instance_id}/diagram.json").status_code == 200


def test_another_branch_cannot_see_it(client, login, instance_id):
    login("sec3")
    assert client.get(f"/instances/{instance_id}").status_code == 404
    assert client.get(f"/instances/{instance_id}/diagram.json").status_code == 404


def test_only_managers_get_the_actions(client, login, instance_id):
    login("sec1")
    assert "取消流程" not in client.get(f"/instances/{instance_id}").get_data(as_text=True)
    token = csrf_token(client, f"/instances/{instance_id}")
    refused = client.post(
        f"/instances/{instance_id}/cancel", data={"csrf_token": token, "reason": "x"}
    )
    assert refused.status_code == 403
    client.post("/auth/logout", data={"csrf_token": token})
    login("rev1")  # the unit's reviewer manages its branches
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "取消流程" in page
    token = csrf_token(client, f"/instances/{instance_id}")
    client.post(f"/instances/{instance_id}/suspend", data={"csrf_token": token, "reason": "核查"})
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.SUSPENDED
    client.post(f"/instances/{instance_id}/resume", data={"csrf_token": token})
    client.post(
        f"/instances/{instance_id}/cancel", data={"csrf_token": token, "reason": "重复发起"}
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.CANCELLED
    assert open_tasks(instance_id) == []
