"""The acceptance sample on a cycle's progress page: the organisation department draws which of the
waiting 标准化 candidates are accepted on site (``acceptance.draw_acceptance_sample``)."""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _

from app.core.commands import run
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.blueprint import bp
from app.grading.cycle import acceptance
from app.grading.cycle.commands import get_cycle
from app.grading.policy import may_edit_rubric
from app.identity.session import current_actor
from app.identity.session import current_scope


@bp.post("/cycles/<int:cycle_id>/sample")
def draw_sample(cycle_id: int):
    scope = current_scope()
    found = get_cycle(db.session, cycle_id)
    if found is None or not (scope.is_system_admin or scope.sees(found[1].path)):
        raise NotFound()
    if not may_edit_rubric(scope):
        abort(403)
    try:
        drawn = run(acceptance.draw_acceptance_sample, actor=current_actor(), cycle_id=cycle_id)
    except ValidationFailed as refused:
        flash(
            " ".join(str(m) for m in (refused.message, *refused.field_errors.values()) if m),
            "error",
        )
    else:
        flash(
            _(
                "Sample drawn: %(on)d branches accepted on site, %(files)d by their files.",
                on=len(drawn["on_site"]),
                files=len(drawn["by_files"]),
            ),
            "success",
        )
    return redirect(url_for(".cycle_progress", cycle_id=cycle_id), 303)
