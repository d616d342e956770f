"""The instance page in a reader's words: role names on the lanes, step titles and people's names
in the timeline, and every time in Beijing time (signatures included)."""

from __future__ import annotations

import re

import pytest

from app.core.commands import run
from app.workflow import commands
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


@pytest.fixture
def signed(people, clock):
    """Started by 王芳 at 10:00 Beijing time; she signs at 19:26 Beijing time (11:26 UTC)."""
    make_user("wangf", name="王芳")
    grant("wangf", "branch_secretary", people.tree.branch1)
    deploy("signed_minutes.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("wangf"),
        process_key="signed_minutes",
        org_code=people.tree.branch1,
    )
    clock.advance(hours=9, minutes=26)
    (sign,) = open_tasks(instance_id)
    run(commands.claim_task, actor=actor("wangf"), task_id=sign.id)
    run(commands.complete_task, actor=actor("wangf"), task_id=sign.id, data={"signed": True})
    return instance_id


def _page(client, login, instance_id) -> str:
    login("wangf")
    return client.get(f"/instances/{instance_id}").get_data(as_text=True)


def test_the_lanes_of_the_diagram_read_role_names(client, login, signed):
    login("wangf")
    xml = client.get(f"/instances/{signed}/diagram.json").get_json()["xml"]
    assert 'name="支部书记"' in xml
    assert "branch_secretary" not in xml


def test_in_english_the_lanes_read_the_english_role_names(client, login, signed):
    login("wangf")
    client.set_cookie("branchflow_lang", "en")
    xml = client.get(f"/instances/{signed}/diagram.json").get_json()["xml"]
    assert 'name="Branch secretary"' in xml


def test_the_timeline_names_steps_and_people_not_codes_or_logins(client, login, signed):
    page = _page(client, login, signed)
    timeline = page[page.index('class="timeline"') :]
    assert "王芳" in timeline
    assert "“书记签字”" in timeline
    assert "wangf" not in page[page.index("<h1") :]  # no login below the header
    assert re.search(r"\bsign\b", timeline) is None  # no element id


def test_every_time_on_the_instance_page_is_beijing_time(client, login, signed):
    page = _page(client, login, signed)
    times = set(re.findall(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", page))
    # started at 10:00 and signed at 19:26 in Beijing: 02:00 and 11:26 UTC must not show
    assert times == {"2026-11-23 10:00", "2026-11-23 19:26"}
    assert page.count("王芳 · 2026-11-23 19:26") >= 1  # the signature, beside the step's time
