"""Print views (issue 17 item 8): a meeting's record on A4 with the people present by name, for
whoever may see the instance page and no one else; the footer's print link leads to it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.identity.models import Person
from app.workflow import commands
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at

DEMO_PASSWORD = "demo123456"
AGENDA = {
    "month": "2026-11",
    "topics": "研究发展党员计划",
    "meeting_at": "2026-11-25T09:00:00+08:00",
    "place": "站党员活动室",
}


def _held_committee_meeting(demo) -> tuple[int, list[int], int]:
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    complete_step(secretary, instance_id, "set_agenda", AGENDA)
    present = demo.people("committee")[:3]
    guest = next(p for p in demo.people("members") if p not in demo.people("committee"))
    meeting = {
        "attendance": {"present": present},
        "invited": [guest],
        "minutes": "发言要点：研究发展党员计划。" * 2,
    }
    complete_step(secretary, instance_id, "hold_meeting", meeting)
    return instance_id, present, guest


def _names(ids: list[int]) -> list[str]:
    return list(db.session.scalars(select(Person.name).where(Person.id.in_(ids))))


def test_a_meeting_record_prints_with_the_people_present_by_name(demo, client, login):
    instance_id, present, guest = _held_committee_meeting(demo)
    names = _names(present)
    (guest_name,) = _names([guest])
    login(demo.holder("branch_secretary").login, DEMO_PASSWORD)

    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert f'href="/instances/{instance_id}/print"' in page  # the footer's print link

    response = client.get(f"/instances/{instance_id}/print")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "css/print.css" in html
    assert 'class="nav"' not in html
    assert "长流水采油站党支部" in html
    assert "2026-11-25 09:00" in html
    assert "站党员活动室" in html
    assert "应到 5 人，实到 3 人" in html
    for name in names:
        assert html.count(name) >= 2  # among those present and on their signature line
    attendance = html.split('id="attendance"')[1].split("</section>")[0]
    assert "列席人员（党小组长等）" in attendance
    assert guest_name in attendance
    sign_in = html.split('id="sign-in"')[1].split("</section>")[0]
    assert sign_in.count("<tr>") == 1 + 3 + 1  # the heading, three members, the guest
    assert "主持人（签字）" in html
    assert "记录人（签字）" in html


def test_the_print_view_is_refused_to_another_organisations_user(demo, client, login):
    instance_id, _present, _guest = _held_committee_meeting(demo)
    outsider = holder_at("HH02", "unit_org_reviewer")
    login(outsider.login, DEMO_PASSWORD)
    refused = client.get(f"/instances/{instance_id}")
    assert refused.status_code == 404
    assert 'id="print-link"' not in refused.get_data(as_text=True)  # its existence not revealed
    assert client.get(f"/instances/{instance_id}/print").status_code == 404


def test_an_assembly_record_lists_members_without_a_vote_and_guests_apart(demo, client, login):
    secretary = demo.holder("branch_secretary")
    full = demo.people("full_members", date(2026, 11, 30))
    probationary = demo.people("probationary", date(2026, 11, 30))
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_general_assembly",
        org_code=demo.branch.code,
    )
    when = "2026-11-30T15:00:00+08:00"
    agenda = {"quarter": "2026-Q4", "topics": "通报工作", "meeting_at": when}
    complete_step(secretary, instance_id, "propose_agenda", agenda)
    complete_step(
        demo.holder("branch_committee"), instance_id, "committee_review", {"agreed": True}
    )
    notice = {"meeting_at": when, "location": "活动室", "agenda": "通报工作", "notified": True}
    complete_step(secretary, instance_id, "notify_members", notice)
    held = {
        "attendance": {"present": full},
        "attendees": probationary,
        "guests": "厂党委组织科 王某",
        "minutes": "会议记录" * 5,
    }
    complete_step(secretary, instance_id, "hold_meeting", held)
    login(secretary.login, DEMO_PASSWORD)

    html = client.get(f"/instances/{instance_id}/print").get_data(as_text=True)
    assert "支部党员大会记录" in html
    assert "2026-11-30 15:00" in html
    attendance = html.split('id="attendance"')[1].split("</section>")[0]
    assert f"应到 {len(full)} 人，实到 {len(full)} 人" in attendance
    assert "厂党委组织科 王某" in attendance
    for name in _names(probationary):
        assert name in attendance
    sign_in = html.split('id="sign-in"')[1].split("</section>")[0]
    assert sign_in.count("<tr>") == 1 + len(full) + len(probationary)
