"""The auditor's search (issue 13): a process auditor finds every procedure of their subtree by
procedure, organisation, state, period, actor, business key, incident and overdue task, exports
what they found, and sees nothing of other units; nobody else reaches the pages."""

from __future__ import annotations

import hashlib
import json
import zipfile
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy import text

from app.auditing.queries import person_names
from app.core.commands import run
from app.extensions import db
from app.identity.models import OrgUnit
from app.workflow import commands
from app.workflow.models import ProcessInstance
from tests.conftest import log_in
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at

COMPANY_AUDITOR, UNIT_AUDITOR = "chenziling", "cuisiwei"  # README's demo logins (HH, HH01)
AGENDA = {
    "month": "2026-11",
    "topics": "研究发展党员计划",
    "meeting_at": "2026-11-25T09:00:00+08:00",
    "place": "站党员活动室",
}


def _committee_meeting(branch_code: str, *, agenda_done: bool) -> int:
    secretary = holder_at(branch_code, "branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=branch_code,
    )
    if agenda_done:
        complete_step(secretary, instance_id, "set_agenda", AGENDA)
    return instance_id


def _other_unit_branch() -> str:
    return db.session.scalars(
        select(OrgUnit.code).where(OrgUnit.kind == "branch", ~OrgUnit.code.startswith("HH01"))
    ).first()


def names_of(user_ids: list[int]) -> dict[int, str]:
    return person_names(db.session, user_ids)


def _ids(page: str, instance_ids: list[int]) -> set[int]:
    return {i for i in instance_ids if f'href="/audit/instances/{i}"' in page}


def test_a_unit_auditor_finds_the_units_procedures_and_nothing_else(demo, client, login, app):
    here = _committee_meeting(demo.branch.code, agenda_done=True)
    elsewhere = _committee_meeting(_other_unit_branch(), agenda_done=False)
    ids = [here, elsewhere]

    login(COMPANY_AUDITOR, app.config["DEMO_PASSWORD"])
    home = client.get("/").get_data(as_text=True)
    assert 'href="/audit/">流程审计</a>' in home  # the menu leads an auditor to the workspace
    page = client.get("/audit/").get_data(as_text=True)
    assert _ids(page, ids) == {here, elsewhere}
    assert "支部委员会会议" in page  # procedures by name, counted

    client = app.test_client()  # a second browser, signed in as the unit's auditor
    log_in(client, UNIT_AUDITOR, app.config["DEMO_PASSWORD"])
    page = client.get("/audit/").get_data(as_text=True)
    assert _ids(page, ids) == {here}
    assert client.get(f"/audit/instances/{elsewhere}").status_code == 404
    workbook = load_workbook(BytesIO(client.get("/audit/instances.xlsx").data))
    exported = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert exported == [here]


def test_the_filters_narrow_the_search(demo, client, login, app):
    secretary = holder_at(demo.branch.code, "branch_secretary")
    held = _committee_meeting(demo.branch.code, agenda_done=True)
    fresh = _committee_meeting(demo.branch.code, agenda_done=False)
    ids = [held, fresh]
    login(COMPANY_AUDITOR, app.config["DEMO_PASSWORD"])

    def found(**args: str) -> set[int]:
        return _ids(client.get("/audit/", query_string=args).get_data(as_text=True), ids)

    assert found(process="branch_committee_meeting", org=demo.branch.code) == {held, fresh}
    assert found(process="party_lecture") == set()
    assert found(actor=secretary.login) == {held, fresh}  # both were started by the secretary
    assert found(status="completed") == set()
    assert found(status="running", org=demo.branch.code) == {held, fresh}
    assert found(**{"from": "2026-11-24"}) == set()  # the test clock's day is 23 November
    assert found(**{"from": "2026-11-23", "to": "2026-11-23"}) == {held, fresh}
    assert found(incident="1") == set()
    assert found(**{"from": "not a date"}) == {held, fresh}  # an unreadable date is left out
    page = client.get("/audit/", query_string={"from": "not a date"}).get_data(as_text=True)
    assert "日期无法识别" in page


def test_only_process_auditors_reach_the_audit_pages(demo, client, login, app):
    instance_id = _committee_meeting(demo.branch.code, agenda_done=False)
    login(demo.holder("branch_secretary").login, app.config["DEMO_PASSWORD"])
    assert 'href="/audit/"' not in client.get("/").get_data(as_text=True)
    assert client.get("/audit/").status_code == 404
    assert client.get(f"/audit/instances/{instance_id}").status_code == 404
    assert client.get("/audit/instances.xlsx").status_code == 404


def test_the_instance_audit_shows_the_history_and_detects_a_changed_step(demo, client, login, app):
    instance_id = _committee_meeting(demo.branch.code, agenda_done=True)
    login(UNIT_AUDITOR, app.config["DEMO_PASSWORD"])
    page = client.get(f"/audit/instances/{instance_id}").get_data(as_text=True)
    assert "步骤记录完整" in page
    assert "回放一致" in page  # re-run from the logged inputs
    assert "研究发展党员计划" in page  # what was submitted, at its step
    secretary = db.session.scalar(
        select(ProcessInstance.initiator_user_id).where(ProcessInstance.id == instance_id)
    )
    assert names_of([secretary])[secretary] in page  # people by name, not login
    # Someone with database access rewrites the agenda behind the application's back.
    with db.engines.write.begin() as connection:
        if connection.dialect.name == "postgresql":  # past the append-only trigger
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.exec_driver_sql("DROP TRIGGER step_log_no_update")
        connection.execute(
            text(
                "UPDATE step_log SET submitted_json = replace(submitted_json, '发展党员', '其他')"
                " WHERE instance_id = :id"
            ),
            {"id": instance_id},
        )
    page = client.get(f"/audit/instances/{instance_id}").get_data(as_text=True)
    assert "步骤记录在第 2 步断裂" in page


def test_each_step_shows_where_the_tokens_were_and_what_it_changed(demo, client, login, app):
    instance_id = _committee_meeting(demo.branch.code, agenda_done=True)
    login(UNIT_AUDITOR, app.config["DEMO_PASSWORD"])
    first = client.get(f"/audit/instances/{instance_id}/steps/1.json").get_json()
    assert first["states"]["set_agenda"] == "active"  # started: the agenda is to be set
    second = client.get(f"/audit/instances/{instance_id}/steps/2.json").get_json()
    assert second["states"]["set_agenda"] == "completed"
    assert second["states"]["hold_meeting"] == "active"
    topics = next(c for c in second["changes"] if c["field"] == "topics")
    assert (topics["label"], topics["before"], topics["after"]) == ("议题", None, AGENDA["topics"])
    assert client.get(f"/audit/instances/{instance_id}/steps/3.json").status_code == 404
    diagram = client.get(f"/audit/instances/{instance_id}/diagram.json").get_json()
    assert (diagram["has_layout"], diagram["steps"]) == (True, 2)


def test_the_evidence_package_holds_the_model_the_log_and_its_verification(
    demo, client, login, app
):
    instance_id = _committee_meeting(demo.branch.code, agenda_done=True)
    login(UNIT_AUDITOR, app.config["DEMO_PASSWORD"])
    response = client.get(f"/audit/instances/{instance_id}/evidence.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(BytesIO(response.data))
    names = set(archive.namelist())
    assert {"step-log.json", "step-log.csv", "verification.json", "summary.html"} <= names
    assert any(n.startswith("definition/") and n.endswith(".bpmn") for n in names)
    manifest = json.loads(archive.read("manifest.json"))
    for name, digest in manifest.items():  # every file as listed
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    verification = json.loads(archive.read("verification.json"))
    assert verification["step_log"] == {
        "intact": True,
        "steps_checked": 2,
        "broken_at_step": None,
        "problem": None,
        "last_step_hash": verification["step_log"]["last_step_hash"],
    }
    assert verification["audit_trail"]["intact"] is True
    assert verification["replay"]["identical"] is True
    steps = json.loads(archive.read("step-log.json"))
    assert [s["action"] for s in steps] == ["started", "task_completed"]
    assert "研究发展党员计划" in archive.read("summary.html").decode()
    other = _committee_meeting(_other_unit_branch(), agenda_done=False)
    assert client.get(f"/audit/instances/{other}/evidence.zip").status_code == 404


def test_the_verification_page_checks_the_trail_and_names_a_broken_log(demo, client, login, app):
    intact = _committee_meeting(demo.branch.code, agenda_done=True)
    tampered = _committee_meeting(demo.branch.code, agenda_done=True)
    login(UNIT_AUDITOR, app.config["DEMO_PASSWORD"])
    page = client.get("/audit/verify").get_data(as_text=True)
    assert "审计日志完整" in page
    assert "步骤记录完整" in page
    with db.engines.write.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.exec_driver_sql("DROP TRIGGER step_log_no_delete")
        connection.execute(
            text("DELETE FROM step_log WHERE instance_id = :id AND seq = 2"), {"id": tampered}
        )
    page = client.get("/audit/verify").get_data(as_text=True)
    assert f'href="/audit/instances/{tampered}#verification"' in page
    assert f'href="/audit/instances/{intact}#verification"' not in page


def test_a_search_packs_the_evidence_of_each_instance_found(demo, client, login, app):
    first = _committee_meeting(demo.branch.code, agenda_done=True)
    second = _committee_meeting(demo.branch.code, agenda_done=False)
    elsewhere = _committee_meeting(_other_unit_branch(), agenda_done=False)
    login(UNIT_AUDITOR, app.config["DEMO_PASSWORD"])
    response = client.get("/audit/evidence.zip", query_string={"org": demo.branch.code})
    archive = zipfile.ZipFile(BytesIO(response.data))
    manifest = json.loads(archive.read("manifest.json"))
    names = set(manifest["packages"])
    assert names == {
        f"evidence-branch_committee_meeting-{first}.zip",
        f"evidence-branch_committee_meeting-{second}.zip",
    }
    assert f"evidence-branch_committee_meeting-{elsewhere}.zip" not in archive.namelist()
    inner = zipfile.ZipFile(BytesIO(archive.read(f"evidence-branch_committee_meeting-{first}.zip")))
    assert json.loads(inner.read("verification.json"))["step_log"]["intact"] is True
    assert manifest["audit_trail_intact"] is True
