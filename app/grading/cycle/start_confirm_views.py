"""The page that confirms starting a grading cycle: "为全部党支部发起" starts one instance per
branch at once, so the year's form leads here first, to say how many branches will be started
(read as ``open_cycle`` will count them); only the button here posts to ``start_cycle``.
Opening this page changes nothing."""

from __future__ import annotations

from flask import abort
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import NotFound
from app.extensions import db
from app.grading.blueprint import bp
from app.grading.cycle.commands import FIRST_YEAR
from app.grading.cycle.commands import LAST_YEAR
from app.grading.cycle.models import GradingCycle
from app.grading.policy import may_edit_rubric
from app.grading.results.views import Confirmation
from app.identity.models import OrgUnit
from app.identity.queries import get_root
from app.identity.queries import list_branches_under
from app.identity.session import current_scope


@bp.get("/cycles/confirm")
def confirm_start_cycle():
    scope = current_scope()
    if not may_edit_rubric(scope):
        abort(403)
    root = get_root(db.session)
    if root is None:
        raise NotFound()
    asked = request.args.get("year", "").strip()
    year = int(asked) if asked.isascii() and asked.isdigit() else None
    branches = len(list_branches_under(db.session, root))
    confirm = Confirmation(
        title=_("Start the grading cycle for all branches"),
        count_line=_(
            "%(n)d branches of %(org)s will each get their %(year)s grading cycle.",
            n=branches,
            org=root.name,
            year=asked if year else "—",
        ),
        lines=[
            _("Each branch's secretary gets the self-assessment task in the inbox."),
            _("The grading rubric in force is pinned for the whole cycle."),
            _("A started cycle cannot be undone; each branch's procedure can only be cancelled."),
        ],
        action=url_for(".start_cycle"),
        button=_("Start the cycle for %(n)d branches", n=branches),
        back=url_for(".cycles"),
        hidden={"year": year or ""},
        refusal=_refusal(root, year, branches),
    )
    return render_template("grading/confirm.html", confirm=confirm)


def _refusal(root: OrgUnit, year: int | None, branches: int) -> str | None:
    """Why the cycle cannot start, as ``open_cycle`` would refuse it (it checks again)."""
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        return _("Give a year between 2000 and 2100.")
    if not branches:
        return _("There is no branch under this organisation.")
    for scope_id in db.session.scalars(
        select(GradingCycle.scope_org_id).where(GradingCycle.year == year)
    ):
        path = db.session.get(OrgUnit, scope_id).path
        if path.startswith(root.path) or root.path.startswith(path):
            return _(
                "The grading cycle of %(year)d was already started for these branches.", year=year
            )
    return None
