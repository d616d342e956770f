"""Home page, language switch and health check."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField

from app.core import clock
from app.core.i18n import LANGUAGE_COOKIE
from app.core.security import public
from app.extensions import db
from app.grading.cycle.views import stage_labels
from app.identity.models import Person
from app.identity.session import current_scope
from app.inbox.home import frequent_starts
from app.inbox.home import work_summary
from app.inbox.upcoming import reviewer_holdings
from app.web import home_panels

bp = Blueprint("web", __name__)


class LanguageForm(FlaskForm):
    language = HiddenField()
    next = HiddenField()


@bp.get("/")
def home() -> str:
    """One's work first (to do, overdue, due within a day, coming up for reviewers), shortcuts
    to what one starts most, one's branch and its 三会一课, the unit's cycle progress for
    reviewers, then one's roles."""
    scope = current_scope()
    person = db.session.get(Person, current_user.person_id) if current_user.person_id else None
    user_id, today = current_user.id, clock.local_today()
    work = work_summary(db.session, user_id, today, clock.now())
    g.todo_count = work.todo  # the menu's badge: no second query
    reviewing = reviewer_holdings(scope.holdings)
    return render_template(
        "web/home.html",
        scope=scope,
        person=person,
        work=work,
        shortcuts=frequent_starts(db.session, user_id, today),
        reviewer=bool(reviewing),
        meetings=home_panels.branch_meetings(home_panels.my_branch(scope, person)),
        ledger_shelf=home_panels.branch_ledgers(scope, home_panels.my_branch(scope, person)),
        glance=home_panels.cycle_glance(reviewing),
        stage_labels=stage_labels(),
    )


@bp.post("/language")
@public
def set_language() -> Response:
    form = LanguageForm()
    target = form.next.data or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("web.home")
    response = redirect(target)
    if form.validate_on_submit() and form.language.data in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE,
            form.language.data,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    if db.ping():
        return jsonify(status="ok", database="ok"), 200
    return jsonify(status="unavailable", database="unreachable"), 503
