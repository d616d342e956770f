"""The self-assessment's task page (issue 17 item 5): the aspects as sections with a navigation and
a running total against the cycle's thresholds, measured criteria marked, evidence notes needed
only below full marks, the bonus 0 unless typed, and drafts saved as the secretary types."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.grading.cycle.measured import MEASURED
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.grading.rubric.document import default_document
from app.identity.kinds import Level
from app.inbox.models import TaskDraft
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.queries import earlier_answers
from tests.conftest import csrf_token
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import set_level

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RUBRIC = default_document()
CRITERIA = {c["id"]: c["points"] for a in RUBRIC["aspects"] for c in a["criteria"]}


@pytest.fixture
def task(demo, client, login, app) -> HumanTask:
    """The demo branch's self-assessment, claimed by its secretary, who is signed in."""
    set_level(demo.branch.id, Level.STANDARDISED)
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH01"
    )
    instance_id = db.session.scalars(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == demo.branch.id
        )
    ).one()
    secretary = demo.holder("branch_secretary")
    found = open_task(instance_id, "self_assessment")
    run(commands.claim_task, actor=secretary, task_id=found.id)
    login(secretary.login, app.config["DEMO_PASSWORD"])
    return found


def _page(client, task) -> str:
    response = client.get(f"/inbox/tasks/{task.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _full_marks(client, task) -> dict:
    data = {"csrf_token": csrf_token(client, f"/inbox/tasks/{task.id}")}
    data |= {cid: str(points) for cid, points in CRITERIA.items()}
    data |= {f"V{i}": "no" for i in range(1, 7)}
    data |= {"target_level": "red_flag", "evidence": (io.BytesIO(PDF), "自评材料.pdf")}
    return data


def test_the_page_shows_sections_a_running_total_and_measured_criteria(client, task):
    page = _page(client, task)
    nav = re.search(r'<nav class="section-nav".*?</nav>', page, re.S).group(0)
    for aspect in ("A1 选配一个好书记", "A6 创造一流工作业绩", "加分项", "申报"):
        assert aspect in nav
    total = json.loads(
        re.search(r'data-running-total="([^"]+)"', page).group(1).replace("&#34;", '"')
    )
    assert total["fields"] == list(CRITERIA)
    assert [(t["label"], t["score"]) for t in total["thresholds"]] == [
        ("示范党支部", 95),
        ("红旗党支部", 90),
        ("标准化党支部", 80),
        ("基本达标党支部", 70),
    ]
    # every criterion the records measure (C05, C09, C11 …) and the veto V4
    assert page.count("按记录测算") == len(MEASURED) + 1
    bonus = re.search(r'<input id="f-self_bonus"[^>]*>', page, re.S).group(0)
    assert 'value="0"' in bonus
    assert "required" not in bonus


def test_full_marks_need_no_notes_and_a_blank_bonus_counts_as_0(client, task):
    data = _full_marks(client, task)
    measured = earlier_answers(db.session, task.instance_id)
    for cid in ("C05", "C12", "C16", "C19"):  # the records' values: no reason needed
        if measured.get(f"measured_{cid}") is not None:
            data[cid] = str(measured[f"measured_{cid}"])
    data["self_bonus"] = ""
    response = client.post(f"/inbox/tasks/{task.id}/complete", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()  # see what the requests committed
    assert db.session.get(HumanTask, task.id).state is HumanTaskState.COMPLETED
    assert earlier_answers(db.session, task.instance_id)["self_bonus"] == 0


def test_a_deduction_without_a_note_is_refused_and_nothing_changes(client, task):
    data = _full_marks(client, task) | {"C07": "2"}
    response = client.post(f"/inbox/tasks/{task.id}/complete", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-C07_note-error"' in page
    assert "f-C01_note-error" not in page  # full marks: no note asked for
    db.session.rollback()  # see what the requests committed
    assert db.session.get(HumanTask, task.id).state is HumanTaskState.READY


def test_typing_saves_a_draft_without_a_message_for_the_next_page(client, task):
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    response = client.post(
        f"/inbox/tasks/{task.id}/complete",
        data={"csrf_token": token, "action": "autosave", "C01": "3", "C01_note": "出缺两月"},
    )
    assert response.status_code == 200
    assert response.get_json()["saved"] is True
    assert "10:00" in response.get_json()["message"]  # Beijing time
    db.session.rollback()
    draft = db.session.scalars(select(TaskDraft).where(TaskDraft.task_id == task.id)).one()
    assert json.loads(draft.values_json)["C01_note"] == ["出缺两月"]
    page = _page(client, task)
    assert "出缺两月" in page
    assert "flash-success" not in page


def test_an_autosave_without_the_csrf_token_is_refused(client, task):
    response = client.post(
        f"/inbox/tasks/{task.id}/complete", data={"action": "autosave", "C01": "3"}
    )
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalars(select(TaskDraft).where(TaskDraft.task_id == task.id)).all() == []


def test_a_reason_is_asked_for_only_where_the_records_measured_a_value(client, task):
    page = _page(client, task)
    measured = earlier_answers(db.session, task.instance_id)
    for cid in ("C05", "C12", "C16", "C19"):
        value = measured.get(f"measured_{cid}")
        reason = re.search(
            rf'<div class="field[^"]*"([^>]*)>\s*<label for="f-{cid}_change_reason"', page
        )
        assert reason is not None
        if value is None:
            assert "data-needed-unless" not in reason.group(1)
        else:
            assert f'data-needed-when="{cid}" data-needed-unless="{value}"' in reason.group(1)


def test_in_english_the_thresholds_read_in_english(client, task):
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    page = _page(client, task)
    assert "Red-flag branch" in page
    assert "Parts of the form" in page
    assert "Measured from the records" in page
