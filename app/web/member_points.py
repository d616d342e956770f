"""Member points on the pages: the branch's ranking by month and year (on the branch page) and one
member's points by month, block and item (``/people/<id>/points``). The points are computed from
the records each time (``app.members.points``); who sees them: the member themselves and those who
see the branch's records (anyone else is told "not found")."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint
from flask import render_template
from flask import request
from flask_login import current_user

from app.core.clock import local_today
from app.core.errors import NotFound
from app.extensions import db
from app.identity import queries
from app.identity.models import OrgUnit
from app.identity.session import current_scope
from app.members.points.accrual import MemberPoints
from app.members.points.queries import person_points
from app.members.points.queries import ranking
from app.members.points.versions import current_scheme

bp = Blueprint("member_points", __name__)


def asked_year() -> int:
    today = local_today()
    asked = request.args.get("year", "")
    year = int(asked) if asked.isascii() and asked.isdigit() else today.year
    return year if 2000 <= year <= today.year else today.year


def branch_points_of(org: OrgUnit) -> SimpleNamespace:
    """The branch page's points section for ?year= (default: this year)."""
    year = asked_year()
    return SimpleNamespace(
        year=year,
        this_year=local_today().year,
        ranking=ranking(db.session, org, year, local_today()),
        scheme=current_scheme(db.session),
    )


@bp.app_template_global("member_points_this_year")
def member_points_this_year(person) -> MemberPoints | None:
    """This year's points of a person, for the person page (which identity renders and cannot
    compute: the points are the members domain's)."""
    return person_points(db.session, person, local_today().year, local_today())


@bp.get("/people/<int:person_id>/points")
def show_person_points(person_id: int):
    person = queries.get_person(db.session, person_id)
    if person is None:
        raise NotFound()
    own = current_user.person_id == person.id
    if not own and not current_scope().sees_records(person.branch.path):
        raise NotFound()  # another organisation's member, or a plain member's colleague
    year = asked_year()
    points = person_points(db.session, person, year, local_today())
    return render_template(
        "members/person_points.html",
        person=person,
        ancestors=queries.list_ancestors(db.session, person.branch),
        year=year,
        this_year=local_today().year,
        points=points,
        scheme=current_scheme(db.session),
    )
