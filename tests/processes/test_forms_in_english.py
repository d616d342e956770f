"""A branch committee meeting read in English: the task page's form and the records it leaves (the
instance page, the printed minutes) use the forms' English, and in Chinese stay as they were."""

from __future__ import annotations

import re

from app.core.commands import run
from app.workflow import commands
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _meeting_decided(demo) -> int:
    secretary = demo.holder("branch_secretary")
    c = demo.people("committee")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    complete_step(
        secretary,
        instance_id,
        "set_agenda",
        {
            "month": "2026-11",
            "topics": "Development plan",
            "meeting_at": "2026-11-25T09:00:00+08:00",
            "place": "Room 1",
            "notified": True,
        },
    )
    complete_step(
        secretary,
        instance_id,
        "hold_meeting",
        {"attendance": {"present": c[:4]}, "minutes": "Points raised " * 3},
    )
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "decide",
        {
            "outcome": "decided",
            "decisions": [{"item": "Name two activists", "owner": c[0], "due": "2026-12-15"}],
            "vote": {"for": 4, "against": 0, "abstain": 0},
            "escalate_to_assembly": False,
        },
    )
    return instance_id


def _form_card(page: str) -> str:
    start = page.index('<section class="card">\n    <h2>')
    return page[start : page.index("</form>", start)]


def test_the_meeting_form_and_its_records_read_in_english(demo, client, login, app):
    secretary = demo.holder("branch_secretary")
    login(secretary.login, app.config["DEMO_PASSWORD"])
    client.set_cookie("branchflow_lang", "en")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    agenda = _form_card(client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(True))
    assert "<h2>Set the agenda and notify the committee</h2>" in agenda
    assert "Give at least a day&#39;s notice." in agenda
    assert not CJK.findall(agenda)

    decided = _meeting_decided(demo)
    page = client.get(f"/instances/{decided}").get_data(as_text=True)
    for shown in ("Committee members present", "Outcome", "Decided (passed by vote", "Decisions"):
        assert shown in page
    assert "作出决定（表决通过或无需表决）" not in page
    printed = client.get(f"/instances/{decided}/print").get_data(as_text=True)
    assert "Committee members present" in printed


def test_in_chinese_the_records_keep_the_forms_chinese(demo, client, login, app):
    login(demo.holder("branch_secretary").login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/instances/{_meeting_decided(demo)}").get_data(as_text=True)
    for shown in ("到会委员", "研究结果", "作出决定（表决通过或无需表决）", "决定事项"):
        assert shown in page
    assert "Decided (passed by vote" not in page
