"""The notifications page."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import url_for
from werkzeug.wrappers import Response

from app.core.commands import run
from app.extensions import db
from app.identity.session import current_actor
from app.notify.commands import mark_all_read
from app.notify.queries import list_recent

bp = Blueprint("notify", __name__, url_prefix="/notifications")


@bp.get("/")
def index() -> str:
    return render_template(
        "notify/index.html", items=list_recent(db.session, current_actor().user_id)
    )


@bp.post("/read")
def read_all() -> Response:
    run(mark_all_read, actor=current_actor())
    return redirect(url_for(".index"))
