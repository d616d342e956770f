"""The related departments check the vetoes of every waiting branch of a cycle on one page
(app/grading/cycle/veto_checks.py): a ticked veto needs its source, the departments must be named, a
refused page records nothing, and a recorded veto reaches the branch's level decision."""

from __future__ import annotations

from app.extensions import db
from app.grading.cycle.veto_checks import waiting_checks
from app.workflow.queries import earlier_answers
from tests.conftest import csrf_token
from tests.plugins.demo import holder_at
from tests.processes.test_acceptance_sample import _committee_agrees
from tests.processes.test_acceptance_sample import _cycle
from tests.processes.test_acceptance_sample import _self_assess

PASSWORD = "demo123456"


def _three_waiting(demo) -> tuple[int, dict[str, int]]:
    """The 2026 cycle of HH01 with three branches through their committee resolution."""
    cycle_id, instances = _cycle(demo)
    rows = list(instances.items())[:3]
    for code, instance_id in rows:
        _self_assess(code, instance_id, "standardised")
        _committee_agrees(code, instance_id)
    return cycle_id, dict(rows)


def test_the_departments_check_every_waiting_branch_at_once(demo, client, login):
    cycle_id, instances = _three_waiting(demo)
    first, second, third = instances
    login(holder_at("HH", "related_dept").login, PASSWORD)
    url = f"/grading/cycles/{cycle_id}/veto-checks"
    page = client.get(url).get_data(as_text=True)
    for code in instances:
        assert f'name="source-{code}"' in page
    progress = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="{url}"' in progress  # the cycle page leads the departments here

    token = csrf_token(client, url)
    refused = client.post(
        url,
        data={"csrf_token": token, "checked_by": "safety", f"veto-{second}-V2": "yes"},
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "请注明事实依据的来源和文号" in text  # next to the row, the tick kept
    assert f'name="veto-{second}-V2" value="yes" aria-label="{second} V2" checked' in text
    no_departments = client.post(url, data={"csrf_token": token})
    assert no_departments.status_code == 422
    assert "请选择参与核查的部门" in no_departments.get_data(as_text=True)
    assert len(waiting_checks(db.session, cycle_id)) == 3  # nothing recorded

    done = client.post(
        url,
        data={
            "csrf_token": token,
            "checked_by": ["safety", "discipline"],
            f"veto-{second}-V2": "yes",
            f"source-{second}": "安全环保处 2026-12 号事故认定",
        },
    )
    assert done.status_code == 303
    db.session.rollback()  # the request committed on its own
    assert waiting_checks(db.session, cycle_id) == []
    assert earlier_answers(db.session, instances[second])["dept_V2"] == "yes"
    for code in (first, third):
        answers = earlier_answers(db.session, instances[code])
        assert [answers[f"dept_V{i}"] for i in range(1, 7)] == ["no"] * 6
        assert answers["checked_by"] == ["safety", "discipline"]
    assert "0" in client.get(url).get_data(as_text=True)  # the page says none is waiting


def test_only_the_related_departments_use_the_page(demo, client, login):
    cycle_id, _instances = _three_waiting(demo)
    url = f"/grading/cycles/{cycle_id}/veto-checks"
    for role, code in (("unit_org_reviewer", "HH01"), ("company_org_dept", "HH")):
        login(holder_at(code, role).login, PASSWORD)
        assert client.get(url).status_code == 403
        token = csrf_token(client, "/")
        assert (
            client.post(url, data={"csrf_token": token, "checked_by": "safety"}).status_code == 403
        )
        client.post("/auth/logout", data={"csrf_token": token})
    login(holder_at(demo.branch.code, "branch_secretary").login, PASSWORD)
    assert client.get(url).status_code == 404  # a branch does not see the unit's cycle
    assert len(waiting_checks(db.session, cycle_id)) == 3
