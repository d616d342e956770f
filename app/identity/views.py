"""Pages of the identity domain: login and logout, organisation pages, people, administration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from app.core.commands import run
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.core.forms import show_refusal
from app.core.security import public
from app.extensions import db
from app.identity import commands
from app.identity import queries
from app.identity.forms import AccountForm
from app.identity.forms import LoginForm
from app.identity.forms import TokenForm
from app.identity.models import User
from app.identity.policy import require_visible
from app.identity.session import LoginUser
from app.identity.session import anonymous_actor
from app.identity.session import current_actor
from app.identity.session import current_scope

bp = Blueprint("identity", __name__)


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
    session.permanent = True  # lasts PERMANENT_SESSION_LIFETIME, not just until the browser closes
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
        account_form=AccountForm() if user and administers else None,
        ancestors=queries.list_ancestors(db.session, person.branch),
        sees_records=own or scope.sees_records(person.branch.path),
        assignments=queries.list_assignments_of_user(db.session, user.id)
        if user and administers
        else [],
    )


def _render_profile(form: TokenForm, new_token: str | None = None, status: int = 200):
    tokens = queries.list_api_tokens(db.session, current_user.id)
    page = render_template("identity/profile.html", form=form, tokens=tokens, new_token=new_token)
    return page, status


@bp.get("/profile")
def profile():
    return _render_profile(TokenForm())


@bp.post("/profile/tokens")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_profile(form, status=422)
    try:
        created = run(
            commands.create_api_token,
            actor=current_actor(),
            login=current_user.login,
            name=form.name.data or "",
        )
    except ValidationFailed as refused:
        show_refusal(form, refused)
        return _render_profile(form, status=422)
    # Shown in this response only: never in a flash message (the session cookie is not secret).
    return _render_profile(TokenForm(formdata=None), new_token=created.token)


@bp.post("/profile/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    run(commands.revoke_api_token, actor=current_actor(), token_id=token_id)
    flash(_("Token revoked."), "success")
    return redirect(url_for("identity.profile"))
