"""Reminders and missed-procedure tasks name the procedure as it is done: a meeting is convened
(尚未召开…, "not yet held"), the themed party day is an activity carried out (尚未开展主题党日,
"not yet carried out") — not 三会一课's "meeting" wording for everything."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.i18n import LANGUAGE_COOKIE
from app.extensions import db
from app.meetings.commands import check_meeting_schedule
from app.meetings.schedule import load_schedule
from app.meetings.schedule import schedule
from app.notify.models import Notification
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.factories import make_person
from tests.plugins.people import actor

MEETINGS = ROOT / "processes" / "meetings"


@pytest.fixture
def deployed(app, people):
    """The themed party day, the committee meeting and the missed-procedure task."""
    app.config["FORMS_DIR"] = ROOT / "forms"
    files = ("themed_party_day", "branch_committee_meeting", "missed_meeting")
    sources = read_model_files([MEETINGS / f"{name}.bpmn" for name in files])
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    for i in range(7):  # 7 full members: the branch owes a committee meeting too
        make_person(f"党员{i}", people.tree.branch3)
    return people


def _reminders(login: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == actor(login).user_id, Notification.kind == "reminder"
            )
        )
    )


def test_the_themed_party_day_reminder_says_carried_out_and_a_meeting_s_says_held(deployed, clock):
    clock.set(datetime(2026, 12, 26, 2, 0, tzinfo=UTC))
    run(check_meeting_schedule, actor=SYSTEM)
    reminders = _reminders("sec3")
    assert "2026年12月尚未开展主题党日（2026-12-31 截止）" in reminders
    assert "2026年12月尚未召开支部委员会会议（2026-12-31 截止）" in reminders
    assert not any("召开主题党日" in title for title in reminders)


def test_in_english_the_themed_party_day_is_not_yet_carried_out(deployed, clock, client, login):
    clock.set(datetime(2026, 12, 26, 2, 0, tzinfo=UTC))
    run(check_meeting_schedule, actor=SYSTEM)
    login("sec3")
    client.set_cookie(LANGUAGE_COOKIE, "en")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Themed party day not yet carried out for 2026-12 (due 2026-12-31)" in page
    assert "Branch committee meeting not yet held for 2026-12 (due 2026-12-31)" in page


def test_the_missed_task_names_the_themed_party_day_and_calls_it_no_meeting(deployed, clock):
    clock.set(datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
    while run(check_meeting_schedule, actor=SYSTEM):
        pass
    keys = db.session.scalars(
        select(ProcessInstance.business_key).where(ProcessInstance.process_key == "missed_meeting")
    ).all()
    assert "主题党日 2026年12月" in keys
    definition = db.session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.process_key == "missed_meeting")
    ).one()
    assert "开展" in definition.name
    assert "activity" in definition.name_en


def test_the_schedule_says_which_procedures_are_activities(app):
    held_as = {r.process_key: r.held_as for r in schedule().meetings}
    assert held_as["themed_party_day"] == "activity"
    assert held_as["branch_committee_meeting"] == "meeting"
    assert (
        held_as["heart_to_heart_talks"] == held_as["democratic_appraisal_of_members"] == "activity"
    )
    assert held_as["party_dues_collection"] == "collection"


def test_a_schedule_with_another_wording_is_refused_by_name(tmp_path):
    path = tmp_path / "schedule.toml"
    path.write_text(
        '[[meeting]]\nprocess_key = "x"\nname = "x"\nperiod = "month"\nheld_step = "s"\n'
        'points = 1.0\nbasis = "proposal"\nheld_as = "party"\n',
        "utf-8",
    )
    with pytest.raises(ValueError, match="held_as must be one of meeting, activity, collection"):
        load_schedule(path)
