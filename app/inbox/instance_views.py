"""The instance page: the diagram of the exact version, the step-log timeline, incidents, and the
actions open to the viewer (managers: cancel, suspend, resume, retry)."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core import clock
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.session import current_actor
from app.identity.session import current_scope
from app.inbox.instance_names import step_titles
from app.inbox.instance_names import timeline
from app.inbox.records import instance_records
from app.workflow import commands
from app.workflow.lanes import with_role_lane_names
from app.workflow.policy import visible_instance
from app.workflow.queries import diagram_xml
from app.workflow.queries import get_instance_view
from app.workflow.queries import instance_diagram

bp = Blueprint("instances", __name__, url_prefix="/instances")


def _visible(instance_id: int) -> OrgUnit:
    """The instance's organisation, if the viewer may see the instance."""
    return visible_instance(db.session, current_scope(), instance_id)[1]


@bp.get("/<int:instance_id>")
def show(instance_id: int) -> str:
    org = _visible(instance_id)
    view = get_instance_view(db.session, instance_id)
    manages = current_scope().administers(org.path)
    titles = step_titles(db.session, diagram_xml(view.definition), instance_id)
    lines = timeline(db.session, view.steps, titles)
    return render_template(
        "instances/show.html",
        view=view,
        org=org,
        manages=manages,
        now=clock.now(),
        timeline=lines,
        titles=titles,
        actor_names={line.step.actor_user_id: line.actor for line in lines if line.actor},
        records=instance_records(
            db.session, view.definition, instance_id, str(get_locale() or "zh")
        ),
        locale=str(get_locale() or "zh"),
    )


@bp.get("/<int:instance_id>/diagram.json")
def diagram(instance_id: int) -> Response:
    _visible(instance_id)
    shown = instance_diagram(db.session, instance_id)
    # Lanes are named by role codes for the engine; the reader sees the roles' names.
    return jsonify({**shown, "xml": with_role_lane_names(shown["xml"])})


def _act(instance_id: int, command: object, **values: object) -> Response:
    _visible(instance_id)
    try:
        run(command, actor=current_actor(), instance_id=instance_id, **values)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        flash(
            " ".join(str(m) for m in refused.field_errors.values()) or str(refused.message), "error"
        )
    else:
        flash(_("Done."), "success")
    return redirect(url_for(".show", instance_id=instance_id))


@bp.post("/<int:instance_id>/cancel")
def cancel(instance_id: int) -> Response:
    return _act(instance_id, commands.cancel_instance, reason=request.form.get("reason", ""))


@bp.post("/<int:instance_id>/suspend")
def suspend(instance_id: int) -> Response:
    return _act(instance_id, commands.suspend_instance, reason=request.form.get("reason", ""))


@bp.post("/<int:instance_id>/resume")
def resume(instance_id: int) -> Response:
    return _act(instance_id, commands.resume_instance)


@bp.post("/<int:instance_id>/incidents/<int:incident_id>/retry")
def retry(instance_id: int, incident_id: int) -> Response:
    _visible(instance_id)
    succeeded = run(commands.retry_incident, actor=current_actor(), incident_id=incident_id)
    if succeeded:
        flash(_("The step ran and the incident is resolved."), "success")
    else:
        flash(_("The step failed again; the incident stays open."), "error")
    return redirect(url_for(".show", instance_id=instance_id))
