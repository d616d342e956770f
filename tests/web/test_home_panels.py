"""The home page per kind of user (issue 17 item 2): a branch's people see its 三会一课 calendar,
a unit reviewer sees where the unit's branches stand in the newest grading cycle."""

from __future__ import annotations

from app.core.commands import run
from app.grading.cycle.start import start_cycle
from tests.plugins.demo import holder_at


def test_a_secretary_sees_the_branch_calendar_on_the_home_page(demo, client, login, app):
    login(demo.holder("branch_secretary").login, app.config["DEMO_PASSWORD"])
    page = client.get("/").get_data(as_text=True)
    assert 'id="meetings"' in page  # the 三会一课 calendar of the branch
    assert "支部委员会会议" in page
    assert 'id="cycle-glance"' not in page  # a branch role reviews no cycle


def test_a_unit_reviewer_sees_the_units_cycle_stage_by_stage(demo, client, login, app):
    run(start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH")
    reviewer = holder_at("HH01", "unit_org_reviewer")
    login(reviewer.login, app.config["DEMO_PASSWORD"])
    page = client.get("/").get_data(as_text=True)
    glance = page[page.index('id="cycle-glance"') :]
    glance = glance[: glance.index("</section>")]
    assert "第一采油厂" in glance
    assert "支部自评" in glance  # every branch starts at its self-assessment
