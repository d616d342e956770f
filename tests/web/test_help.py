"""Help per kind of user (issue 17 item 10), linked from every page's footer."""

from __future__ import annotations

from tests.conftest import csrf_token
from tests.factories import make_user

KINDS = ("branch", "reviewer", "designer", "auditor", "admin")


def test_the_help_page_links_a_guide_per_kind_of_user(client):
    html = client.get("/help").get_data(as_text=True)
    for kind in KINDS:
        assert f'href="/help/{kind}"' in html
    assert "各种状态的含义" in html


def test_each_guide_says_how_work_arrives_how_to_start_and_what_statuses_mean(client):
    for kind in KINDS:
        response = client.get(f"/help/{kind}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "工作如何到达我这里" in html
        assert "如何发起流程" in html
        assert "待认领" in html
    assert client.get("/help/nobody").status_code == 404


def test_every_page_links_the_help_in_its_footer(client, login):
    assert 'href="/help"' in client.get("/auth/login").get_data(as_text=True)
    make_user("zhang")
    login("zhang")
    footer = client.get("/").get_data(as_text=True).split('<footer class="site-footer">')[1]
    assert 'href="/help"' in footer
    assert 'id="print-link"' not in footer  # the home page has no print view


def test_the_help_reads_in_english_in_english_mode(client):
    token = csrf_token(client)
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/help"})
    html = client.get("/help/reviewer").get_data(as_text=True)
    assert "How work reaches me" in html
    assert "What each status means" in html
