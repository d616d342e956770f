"""The demo's elections: the showcase branch's election waits for its secretary's request (the
term ends in 55 days), and another branch of the unit has a discipline post vacant four months,
which rubric C04 shows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.branches.committee_posts import vacancies
from app.extensions import db
from app.identity.models import OrgUnit
from app.workflow.models import ProcessInstance
from tests.conftest import TEST_NOW
from tests.plugins.demo import open_task


def test_the_showcase_election_waits_for_the_secretary_and_a_vacancy_is_flagged(demo_year):
    today = TEST_NOW.date()
    branch = db.session.get(OrgUnit, demo_year.branch.id)
    assert (branch.term_end - today).days == 55
    (instance_id,) = db.session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == "branch_committee_election",
            ProcessInstance.org_unit_id == branch.id,
        )
    )
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("request", "branch_secretary")

    unit_branches = db.session.scalars(
        select(OrgUnit).where(OrgUnit.code.like("HH01-%"), OrgUnit.kind == branch.kind)
    ).all()
    open_posts = vacancies(db.session, list(unit_branches), today)
    flagged = {
        b: posts["discipline_member"]
        for b, posts in open_posts.items()
        if "discipline_member" in posts
    }
    assert len(flagged) == 1
    assert list(flagged.values()) == [date(2026, 7, 26)]  # 120 days before today
