"""三会一课 compliance: the branch calendar from the meetings held, C12, reminders before a period
ends and a task for the secretary when it ended without the meeting — each once, with the clock
moved, not slept."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core import clock as app_clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.i18n import LANGUAGE_COOKIE
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.meetings.commands import check_meeting_schedule
from app.meetings.compliance import branch_calendar
from app.meetings.compliance import c12_score
from app.meetings.schedule import schedule
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import open_tasks

MEETINGS = ROOT / "processes" / "meetings"


@pytest.fixture
def deployed(app, people):
    """The committee meeting and the missed-meeting task, deployed on 2026-11-23."""
    app.config["FORMS_DIR"] = ROOT / "forms"
    sources = read_model_files(
        [MEETINGS / "branch_committee_meeting.bpmn", MEETINGS / "missed_meeting.bpmn"]
    )
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    for code in (people.tree.branch1, people.tree.branch3):  # 7 full members: a committee
        for i in range(7):
            make_person(f"党员{code}{i}", code)
    return people


def _hold_committee_meeting(tree) -> None:
    """Start a committee meeting at branch 1 and record it held (agenda, then the meeting)."""
    members = [make_person(f"委员{i}", tree.branch1) for i in range(3)]
    for i, person_id in enumerate(members):  # the committee the meeting's attendance counts
        make_user(f"committee{i}", person_id=person_id)
        grant(f"committee{i}", "branch_committee", tree.branch1, date(2026, 1, 1))
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="branch_committee_meeting",
        org_code=tree.branch1,
    )
    agenda = {
        "month": "2026-12",
        "topics": "议题",
        "meeting_at": "2026-12-10T09:00:00+08:00",
        "place": "活动室",
    }
    run(
        commands.complete_task,
        actor=actor("sec1"),
        task_id=open_tasks(instance_id)[0].id,
        data=agenda,
    )
    meeting = {"attendance": {"entitled": 3, "present": members[:2]}, "minutes": "发言要点" * 4}
    run(
        commands.complete_task,
        actor=actor("sec1"),
        task_id=open_tasks(instance_id)[0].id,
        data=meeting,
    )


def _calendar(code: str, year: int = 2026):
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    rows = branch_calendar(
        db.session,
        branch,
        year,
        app_clock.local_today(),
        app_clock.local_zone(),
        schedule().meetings,
    )
    return {row.requirement.process_key: row for row in rows}


def _states(row) -> list[str]:
    return [c.state for c in row.cells]


def test_the_calendar_shows_meetings_held_and_missed(deployed, clock):
    clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    _hold_committee_meeting(deployed.tree)
    committee = _calendar(deployed.tree.branch1)["branch_committee_meeting"]
    assert _states(committee)[10:] == ["untracked", "held"]  # November began before deployment
    assert _states(_calendar(deployed.tree.branch3)["branch_committee_meeting"])[11] == "open"
    clock.set(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    assert _states(_calendar(deployed.tree.branch3)["branch_committee_meeting"])[11] == "missed"
    assembly = _calendar(deployed.tree.branch1)["branch_general_assembly"]
    assert set(_states(assembly)) == {"untracked"}  # not deployed here: nothing is asked


def test_c12_counts_the_judged_periods_pro_rata(deployed, clock):
    clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    _hold_committee_meeting(deployed.tree)
    clock.set(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    rows = list(_calendar(deployed.tree.branch1).values())
    assert c12_score(rows) == (2.0, 2.0)  # December held: the committee meeting's 2 points
    rows = list(_calendar(deployed.tree.branch3).values())
    assert c12_score(rows) == (0.0, 2.0)


def test_a_branch_without_committee_or_groups_owes_neither_meeting(deployed, clock):
    small = deployed.tree.branch2
    for i in range(6):
        make_person(f"小支部党员{i}", small)
    make_person("预备党员", small, PartyStatus.PROBATIONARY)  # counts for nothing here
    make_user("sec2")
    grant("sec2", "branch_secretary", small)
    clock.set(datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
    committee = _calendar(small)["branch_committee_meeting"]
    assert set(_states(committee)) == {"not_required"}
    groups = _calendar(small)["party_group_meeting"]
    assert set(_states(groups)) == {"not_required"}  # no party group: no party group meeting
    assert c12_score(list(_calendar(small).values())) is None  # nothing else judged here
    run(check_meeting_schedule, actor=SYSTEM)
    branch2 = db.session.scalars(select(OrgUnit).where(OrgUnit.code == small)).one()
    assert not db.session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.process_key == "missed_meeting",
            ProcessInstance.org_unit_id == branch2.id,
        )
    ).all()  # no missed-meeting task for a meeting it does not owe
    make_person("第七名党员", small)  # the seventh full member: the committee is owed again
    assert _states(_calendar(small, 2027)["branch_committee_meeting"])[0] == "open"


def _reminders(login_user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == login_user_id, Notification.kind == "reminder"
            )
        )
    )


def test_a_secretary_is_reminded_once_as_the_period_ends(deployed, clock):
    clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    _hold_committee_meeting(deployed.tree)
    assert run(check_meeting_schedule, actor=SYSTEM) == 0  # not within a week of the end yet
    clock.set(datetime(2026, 12, 26, 2, 0, tzinfo=UTC))
    assert run(check_meeting_schedule, actor=SYSTEM) >= 1
    run(check_meeting_schedule, actor=SYSTEM)  # a second worker, or the next round
    sec3, sec1 = actor("sec3").user_id, actor("sec1").user_id
    assert _reminders(sec3) == ["2026年12月尚未召开支部委员会会议（2026-12-31 截止）"]
    assert _reminders(sec1) == []  # branch 1 held its meeting


def test_a_reader_of_english_reads_the_reminder_in_english(deployed, clock, client, login):
    clock.set(datetime(2026, 12, 26, 2, 0, tzinfo=UTC))
    run(check_meeting_schedule, actor=SYSTEM)
    login("sec3")
    client.set_cookie(LANGUAGE_COOKIE, "en")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Branch committee meeting not yet held for 2026-12 (due 2026-12-31)" in page
    assert "尚未召开" not in page


def test_a_missed_meeting_gives_the_secretary_a_task_once(deployed, clock):
    clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    _hold_committee_meeting(deployed.tree)
    clock.set(datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
    run(check_meeting_schedule, actor=SYSTEM)
    run(check_meeting_schedule, actor=SYSTEM)
    missed = db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.process_key == "missed_meeting")
    ).all()
    branch3 = db.session.scalars(select(OrgUnit).where(OrgUnit.code == deployed.tree.branch3)).one()
    assert [(i.org_unit_id, i.business_key) for i in missed if i.org_unit_id == branch3.id] == [
        (branch3.id, "支部委员会会议 2026年12月")
    ]
    branch1 = db.session.scalars(select(OrgUnit).where(OrgUnit.code == deployed.tree.branch1)).one()
    assert all(i.org_unit_id != branch1.id for i in missed)
    task = db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == missed[0].id, HumanTask.state == HumanTaskState.READY
        )
    ).one()
    assert task.candidate_role == "branch_secretary"


def test_the_branch_page_shows_the_calendar(deployed, clock, client, login):
    clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    _hold_committee_meeting(deployed.tree)
    login("sec1")
    page = client.get(f"/orgs/{deployed.tree.branch1}").get_data(as_text=True)
    assert "三会一课" in page
    assert "支部委员会会议" in page
    assert 'class="meet held"' in page
    assert "建议" in page  # the quarterly 党课 is marked as a proposal
