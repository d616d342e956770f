"""A task assigned from the data shows under 我的待办 for its person, not in the lane's queue."""

from __future__ import annotations

from app.core.commands import run
from app.workflow import commands
from tests.factories import make_person
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def test_the_partner_finds_the_task_under_my_tasks(client, login, people):
    partner = make_person("周文", people.tree.branch1)
    make_user("zhouwen", person_id=partner, name="周文")
    deploy("talk.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="talk",
        org_code=people.tree.branch1,
        data={"partner": partner},
    )
    (task,) = open_tasks(instance_id)
    login("zhouwen")
    page = client.get("/inbox/", query_string={"view": "mine"}).get_data(as_text=True)
    assert "我的待办" in page
    assert f'href="/inbox/tasks/{task.id}"' in page
    assert "记录谈话" in page
    assert client.get(f"/inbox/tasks/{task.id}").status_code == 200


def test_the_lane_does_not_see_it_as_claimable(client, login, people):
    partner = make_person("周文", people.tree.branch1)
    make_user("zhouwen", person_id=partner, name="周文")
    deploy("talk.bpmn")
    run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="talk",
        org_code=people.tree.branch1,
        data={"partner": partner},
    )
    login("sec1")
    page = client.get("/inbox/", query_string={"view": "claimable"}).get_data(as_text=True)
    assert "记录谈话" not in page
