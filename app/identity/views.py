"""Pages of the identity domain: login and logout, organisation pages, people, administration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from app.core.clock import local_today
from app.core.commands import run
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.security import public
from app.extensions import db
from app.identity import catalogue
from app.identity import commands
from app.identity import queries
from app.identity.forms import GrantRoleForm
from app.identity.forms import LoginForm
from app.identity.forms import RevokeRoleForm
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.policy import require_administers
from app.identity.policy import require_visible
from app.identity.session import LoginUser
from app.identity.session import anonymous_actor
from app.identity.session import current_actor
from app.identity.session import current_scope

bp = Blueprint("identity", __name__)

PEOPLE_PAGE_SIZE = 50


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("web.home")


@bp.route("/auth/login", methods=["GET", "POST"])
@public
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("identity/login.html", form=form), 422 if form.errors else 200
    outcome = run(
        commands.attempt_login,
        actor=anonymous_actor(),
        login=form.login.data or "",
        password=form.password.data or "",
        address=request.remote_addr or "unknown",
    )
    if outcome.retry_after:
        form.form_errors.append(
            _("Too many failed attempts. Try again in %(s)d seconds.", s=outcome.retry_after)
        )
        page = render_template("identity/login.html", form=form)
        return page, 429, {"Retry-After": str(outcome.retry_after)}  # type: ignore[return-value]
    if not outcome.succeeded:
        form.form_errors.append(_("Wrong login or password."))
        return render_template("identity/login.html", form=form), 401
    user = db.session.get(User, outcome.user_id)
    session.clear()  # a fresh session on every login: no fixation
    login_user(
        LoginUser(user.id, user.login, user.display_name, user.person_id, user.session_token)
    )
    return redirect(_safe_next(form.next.data))


@bp.route("/auth/logout", methods=["POST"])
def logout() -> Response:
    run(commands.record_logout, actor=current_actor(), user_id=current_user.id)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("identity.login"))


def _visible_org(code: str) -> OrgUnit:
    org = queries.get_org_by_code(db.session, code)
    if org is None:
        raise NotFound()
    require_visible(current_scope(), org.path)
    return org


def _grant_form(org: OrgUnit) -> GrantRoleForm:
    form = GrantRoleForm()
    form.role_code.choices = [
        (role.code, role.label(str(get_locale())))
        for role in catalogue.roles_applicable_at(org.kind)
    ]
    return form


def _render_org(org: OrgUnit, grant_form: GrantRoleForm | None, status: int = 200):
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
        org=org,
        ancestors=queries.list_ancestors(db.session, org),
        children=children,
        member_counts=queries.count_members_by_org(db.session, [c.id for c in children]),
        assignments=queries.list_assignments_at(db.session, org.id, day, include_inactive=history),
        history=history,
        people=people,
        sees_records=scope.sees_records(org.path),
        administers=administers,
        grant_form=grant_form if administers else None,
    )
    return page, status


@bp.get("/orgs/<code>")
def show_org(code: str):
    org = _visible_org(code)
    return _render_org(org, _grant_form(org))


@bp.post("/orgs/<code>/roles")
def grant_role(code: str):
    org = _visible_org(code)
    require_administers(current_scope(), org.path)
    form = _grant_form(org)
    if not form.validate_on_submit():
        return _render_org(org, form, 422)
    try:
        run(
            commands.grant_role,
            actor=current_actor(),
            org_code=org.code,
            login=form.login.data or "",
            role_code=form.role_code.data or "",
            valid_from=form.valid_from.data,
            valid_to=form.valid_to.data,
        )
    except ValidationFailed as refused:
        for name, message in refused.field_errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        return _render_org(org, form, 422)
    flash(_("Role granted."), "success")
    return redirect(url_for("identity.show_org", code=org.code))


def _assignment_in_scope(assignment_id: int) -> RoleAssignment:
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None:
        raise NotFound()
    require_administers(current_scope(), assignment.org_unit.path)
    return assignment


@bp.route("/role-assignments/<int:assignment_id>/revoke", methods=["GET", "POST"])
def revoke_role(assignment_id: int):
    assignment = _assignment_in_scope(assignment_id)
    form = RevokeRoleForm()
    if form.validate_on_submit():
        try:
            org_code = run(
                commands.revoke_role,
                actor=current_actor(),
                assignment_id=assignment_id,
                reason=form.reason.data or "",
            )
        except ValidationFailed as refused:
            form.form_errors.append(str(refused.message))
            form.reason.errors = [*form.reason.errors, *refused.field_errors.values()]
        else:
            flash(_("Role revoked."), "success")
            return redirect(url_for("identity.show_org", code=org_code))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("identity/revoke.html", assignment=assignment, form=form), status


@bp.get("/people/<int:person_id>")
def show_person(person_id: int):
    person = queries.get_person(db.session, person_id)
    if person is None:
        raise NotFound()
    scope = current_scope()
    own = current_user.person_id == person.id
    if not own:
        require_visible(scope, person.branch.path)
    user = queries.get_user_of_person(db.session, person.id)
    administers = scope.administers(person.branch.path)
    return render_template(
        "identity/person.html",
        person=person,
        user=user,
        ancestors=queries.list_ancestors(db.session, person.branch),
        sees_records=own or scope.sees_records(person.branch.path),
        assignments=queries.list_assignments_of_user(db.session, user.id)
        if user and administers
        else [],
    )


@bp.get("/admin/")
def admin_home():
    scope = current_scope()
    if not scope.is_administrator:
        abort(403)
    roots = scope.administered_roots()
    forest = queries.org_forest(db.session, roots, max_depth=3)
    return render_template("identity/admin.html", forest=forest)


@bp.get("/admin/people")
def admin_people():
    scope = current_scope()
    if not scope.is_administrator:
        abort(403)
    text = request.args.get("q", "")[:100]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = queries.search_people(
        db.session,
        scope.administered_roots(),
        text,
        limit=PEOPLE_PAGE_SIZE,
        offset=(page - 1) * PEOPLE_PAGE_SIZE,
    )
    pages = max((total + PEOPLE_PAGE_SIZE - 1) // PEOPLE_PAGE_SIZE, 1)
    return render_template(
        "identity/people.html", rows=rows, total=total, q=text, page=page, pages=pages
    )
