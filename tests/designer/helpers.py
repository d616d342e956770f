"""Shared steps of the designer tests: who designs and approves at the demo company."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from tests.conftest import csrf_token

COMPANY_AUDITOR = "chenziling"
COMMITTEE_FILE = "meetings/branch_committee_meeting.bpmn"


def company_holder(role: str) -> str:
    """The login of the first demo holder of ``role`` at the company."""
    return db.session.scalar(
        select(User.login)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role_code == role, OrgUnit.parent_id.is_(None))
        .order_by(User.id)
        .limit(1)
    )


def post(client, path: str, data: dict | None = None, **options):
    """POST with the session's CSRF token (from the home page, or the login page when signed out)."""
    page = client.get("/")
    token = csrf_token(client, "/auth/login" if page.status_code == 302 else "/")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **options)


def draft_id_of(response) -> int:
    return int(re.search(r"/designer/drafts/(\d+)", response.headers["Location"])[1])
