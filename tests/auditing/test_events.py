"""The administrative events page (issue 13 item 4): role grants, account changes, process
publications … from the audit trail, within the auditor's subtree only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from tests.conftest import log_in
from tests.factories import grant
from tests.plugins.demo import DEMO_BRANCH

COMPANY_AUDITOR, UNIT_AUDITOR = "chenziling", "cuisiwei"


def _someone_of(branch_code: str) -> str:
    return db.session.scalars(
        select(User.login)
        .join(Person, Person.id == User.person_id)
        .join(OrgUnit, OrgUnit.id == Person.branch_id)
        .where(OrgUnit.code == branch_code)
        .order_by(User.id)
    ).first()


def test_a_role_grant_shows_to_the_units_auditor_and_not_to_another_units(demo, client, app):
    grantee = _someone_of(DEMO_BRANCH)
    grant(grantee, "lecturer", DEMO_BRANCH, date(2026, 11, 23))
    log_in(client, UNIT_AUDITOR, app.config["DEMO_PASSWORD"])
    page = client.get("/audit/events").get_data(as_text=True)
    assert "授予角色" in page
    assert grantee in page  # the grant's details name the login
    company = app.test_client()
    log_in(company, COMPANY_AUDITOR, app.config["DEMO_PASSWORD"])
    published = company.get("/audit/events", query_string={"kind": "definition_deployed"})
    assert "发布流程版本" in published.get_data(as_text=True)  # tied to no organisation
    unit_view = client.get("/audit/events", query_string={"kind": "definition_deployed"})
    assert "共找到 0 条事件" in unit_view.get_data(as_text=True)  # a unit auditor: the unit only
