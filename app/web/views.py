"""Home page, language switch and health check."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField

from app.core.i18n import LANGUAGE_COOKIE
from app.core.security import public
from app.extensions import db
from app.identity.models import Person
from app.identity.session import current_scope

bp = Blueprint("web", __name__)


class LanguageForm(FlaskForm):
    language = HiddenField()
    next = HiddenField()


@bp.get("/")
def home() -> str:
    scope = current_scope()
    person = db.session.get(Person, current_user.person_id) if current_user.person_id else None
    return render_template("web/home.html", scope=scope, person=person)


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
