"""The administration surface (/admin): the organisation tree, people, roles and accounts.

Every action here is scoped: an administrator manages the nodes strictly below where they hold an
administering role (system administrators: everything), and is told "not found" about the rest.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import local_today
from app.core.commands import run
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.forms import show_refusal
from app.extensions import db
from app.identity import commands
from app.identity import queries
from app.identity.forms import AccountForm
from app.identity.forms import OrgDetailsForm
from app.identity.forms import RevokeRoleForm
from app.identity.kinds import BranchType
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.policy import require_administers
from app.identity.policy import require_administers_children_of
from app.identity.policy import require_manages_account
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.levels.commands import create_org_unit_with_level
from app.web.org_page import grant_form_for
from app.web.org_page import new_org_form_for
from app.web.org_page import render_org
from app.web.org_page import visible_org

bp = Blueprint("admin", __name__, url_prefix="/admin")

PEOPLE_PAGE_SIZE = 50


@bp.before_request
def _administrators_only() -> None:
    if not current_scope().is_administrator:
        abort(403)


@bp.post("/orgs/<code>/roles")
def grant_role(code: str):
    org = visible_org(code)
    require_administers(current_scope(), org.path)
    form = grant_form_for(org)
    if not form.validate_on_submit():
        return render_org(org, grant_form=form, status=422)
    try:
        run(
            commands.grant_role,
            actor=current_actor(),
            org_code=org.code,
            login=form.login.data or "",
            role_code=form.role_code.data or "",
            valid_from=form.valid_from.data,
            valid_to=form.valid_to.data,
            confirm_other_holder=bool(form.confirm_other_holder.data),
        )
    except ValidationFailed as refused:
        show_refusal(form, refused)
        return render_org(org, grant_form=form, status=422)
    flash(_("Role granted."), "success")
    return redirect(url_for("orgs.show_org", code=org.code))


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
            show_refusal(form, refused)
        else:
            flash(_("Role revoked."), "success")
            return redirect(url_for("orgs.show_org", code=org_code))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("identity/revoke.html", assignment=assignment, form=form), status


@bp.get("/")
def home():
    scope = current_scope()
    roots = scope.administered_roots()
    forest = queries.org_forest(db.session, roots, max_depth=3)
    return render_template("identity/admin.html", forest=forest)


@bp.get("/people")
def people():
    scope = current_scope()
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


def _details(form: OrgDetailsForm) -> commands.OrgDetails:
    return commands.OrgDetails(
        name=form.name.data or "",
        branch_type=BranchType(form.branch_type.data) if form.branch_type.data else None,
        term_start=form.term_start.data,
        term_end=form.term_end.data,
    )


@bp.post("/orgs/<code>/children")
def create_org(code: str):
    parent = visible_org(code)
    require_administers_children_of(current_scope(), parent.path)
    form = new_org_form_for(parent)
    if form is None:
        raise NotFound()
    if not form.validate_on_submit():
        return render_org(parent, new_form=form, status=422)
    try:
        run(
            create_org_unit_with_level,
            actor=current_actor(),
            parent_code=parent.code,
            code=form.code.data or "",
            kind=OrgKind(form.kind.data),
            details=_details(form),
            level=Level(form.level.data) if form.level.data else None,
        )
    except ValidationFailed as refused:
        show_refusal(form, refused)
        return render_org(parent, new_form=form, status=422)
    flash(_("Organisation created."), "success")
    return redirect(url_for("orgs.show_org", code=form.code.data.strip()))


@bp.route("/orgs/<code>/edit", methods=["GET", "POST"])
def edit_org(code: str):
    org = visible_org(code)
    require_administers(current_scope(), org.path)
    form = OrgDetailsForm(obj=None if request.method == "POST" else org)
    form.fill_choices()
    if request.method == "GET" and org.branch_type:
        form.branch_type.data = org.branch_type.value
    if form.validate_on_submit():
        try:
            run(
                commands.update_org_unit,
                actor=current_actor(),
                code=org.code,
                details=_details(form),
            )
        except ValidationFailed as refused:
            show_refusal(form, refused)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("orgs.show_org", code=org.code))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("identity/org_edit.html", org=org, form=form), status


def _account_in_scope(user_id: int) -> User:
    """The account, once the administrator is found to manage it: before anything (a redirect to
    the person's page, a message) can tell whose account the id is."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    require_manages_account(db.session, current_scope(), user, local_today())
    return user


@bp.post("/users/<int:user_id>/active")
def set_account_active(user_id: int) -> Response:
    user = _account_in_scope(user_id)
    form = AccountForm()
    target = (
        url_for("identity.show_person", person_id=user.person_id)
        if user.person_id
        else url_for(".home")
    )
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return redirect(target)
    activate = request.form.get("active") == "1"
    try:
        run(
            commands.set_user_active,
            actor=current_actor(),
            user_id=user.id,
            active=activate,
            reason=form.reason.data or "",
        )
    except ValidationFailed as refused:
        flash(str(refused.message), "error")
    else:
        flash(_("Account reactivated.") if activate else _("Account deactivated."), "success")
    return redirect(target)
