"""The organisation page: a node's people, children and roles, and for a branch its 三会一课
calendar and level history. It gathers identity, meetings and levels, so it lives in the web layer;
the administration pages (admin_views.py) re-render it with their refused forms."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint
from flask import render_template
from flask import request
from flask_babel import get_locale

from app.core.clock import local_today
from app.core.clock import local_zone
from app.core.clock import now as clock_now
from app.core.errors import NotFound
from app.extensions import db
from app.identity import catalogue
from app.identity import queries
from app.identity.forms import GrantRoleForm
from app.identity.forms import NewOrgForm
from app.identity.kinds import ALLOWED_PARENTS
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import require_visible
from app.identity.session import current_scope
from app.levels.queries import branch_history
from app.meetings.compliance import branch_calendar
from app.meetings.compliance import c12_score
from app.meetings.compliance import c13_score
from app.meetings.schedule import schedule
from app.members.development_calendar import development_due
from app.web.member_points import branch_points_of

bp = Blueprint("orgs", __name__)


def visible_org(code: str) -> OrgUnit:
    org = queries.get_org_by_code(db.session, code)
    if org is None:
        raise NotFound()
    require_visible(current_scope(), org.path)
    return org


def grant_form_for(org: OrgUnit) -> GrantRoleForm:
    form = GrantRoleForm()
    form.role_code.choices = [
        (role.code, role.label(str(get_locale())))
        for role in catalogue.roles_applicable_at(org.kind)
    ]
    return form


def new_org_form_for(org: OrgUnit) -> NewOrgForm | None:
    kinds = [kind for kind, parents in ALLOWED_PARENTS.items() if org.kind in parents]
    if not kinds or not current_scope().administers_children_of(org.path):
        return None
    form = NewOrgForm()
    form.fill_kinds(kinds)
    return form


def render_org(
    org: OrgUnit,
    *,
    grant_form: GrantRoleForm | None = None,
    new_form: NewOrgForm | None = None,
    status: int = 200,
):
    scope = current_scope()
    day = local_today()
    administers = scope.administers(org.path)
    history = administers and request.args.get("history") == "1"
    children = queries.list_children(db.session, org.id)
    people = []
    if org.kind in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        people = queries.list_people_in(db.session, org)
    page = render_template(
        "identity/org.html",
        meetings=meetings_of(org) if org.kind is OrgKind.BRANCH else None,
        level_history=branch_history(db.session, org.id) if org.kind is OrgKind.BRANCH else None,
        points=branch_points_of(org)
        if org.kind is OrgKind.BRANCH and scope.sees_records(org.path)
        else None,
        development=development_due(db.session, org, clock_now())
        if org.kind is OrgKind.BRANCH and scope.sees_records(org.path)
        else None,
        org=org,
        ancestors=queries.list_ancestors(db.session, org),
        children=children,
        member_counts=queries.count_members_by_org(db.session, [c.id for c in children]),
        assignments=queries.list_assignments_at(db.session, org.id, day, include_inactive=history),
        history=history,
        people=people,
        sees_records=scope.sees_records(org.path),
        administers=administers,
        grant_form=(grant_form or grant_form_for(org)) if administers else None,
        new_form=new_form or new_org_form_for(org),
    )
    return page, status


def meetings_of(org: OrgUnit) -> SimpleNamespace:
    """The branch's 三会一课 calendar for ?year= (default: this year)."""
    today = local_today()
    asked = request.args.get("year", "")
    year = int(asked) if asked.isascii() and asked.isdigit() else today.year
    year = year if 2000 <= year <= today.year else today.year
    rows = branch_calendar(db.session, org, year, today, local_zone(), schedule().meetings)
    return SimpleNamespace(
        year=year, this_year=today.year, rows=rows, c12=c12_score(rows), c13=c13_score(rows)
    )


@bp.get("/orgs/<code>")
def show_org(code: str):
    return render_org(visible_org(code))
