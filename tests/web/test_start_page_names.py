"""The start page names each procedure and says in one line what it is for; no keys, no versions."""

from __future__ import annotations

from tests.plugins.people import deploy


def test_the_start_page_shows_names_and_a_one_line_description(client, login, people):
    deploy("signed_minutes.bpmn")
    login("sec1")
    page = client.get("/inbox/start").get_data(as_text=True)
    main = page[page.index("<h1") :]
    assert "<h2>会议记录签字</h2>" in main
    assert ">会后由书记在会议记录上签字确认。</p>" in main  # the first sentence only
    assert "signed_minutes ·" not in main
    assert "· v1" not in main
