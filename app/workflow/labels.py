"""Display names of step-log actions and instance states (English msgids, zh in the catalogue)."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.workflow.models import InstanceStatus

INSTANCE_STATUS = {
    InstanceStatus.RUNNING: _l("running"),
    InstanceStatus.SUSPENDED: _l("suspended"),
    InstanceStatus.COMPLETED: _l("completed"),
    InstanceStatus.CANCELLED: _l("cancelled"),
}

STEP_ACTIONS = {
    "started": _l("started the procedure"),
    "claimed": _l("claimed the task"),
    "unclaimed": _l("gave the task back"),
    "reassigned": _l("reassigned the task"),
    "assigned": _l("the task was assigned from the data"),
    "assigned_to_role": _l("the task went to the lane's role"),
    "task_completed": _l("completed the task"),
    "timer_fired": _l("a timer fired"),
    "message_received": _l("a message arrived"),
    "incident": _l("a step failed"),
    "incident_retried": _l("retried the failed step"),
    "retry_failed": _l("retried, failed again"),
    "cancelled": _l("cancelled the procedure"),
    "suspended": _l("suspended the procedure"),
    "resumed": _l("resumed the procedure"),
    "migrated": _l("moved to another version of the procedure"),
}


#: Steps whose detail is written "Chinese / English" (``assignment.py``): shown in one language.
BILINGUAL_DETAILS = frozenset({"assigned", "assigned_to_role"})


def step_detail(step: object) -> str:
    """A step's detail in the reader's language where it is written in both."""
    detail = str(getattr(step, "detail", "") or "")
    if getattr(step, "action", None) not in BILINGUAL_DETAILS or " / " not in detail:
        return detail
    zh, en = detail.split(" / ", 1)
    return en if str(get_locale() or "zh").startswith("en") else zh


def init_app(app: Flask) -> None:
    app.add_template_filter(step_detail, "step_detail")
    app.add_template_filter(lambda action: str(STEP_ACTIONS.get(action, action)), "step_action")
    app.add_template_filter(
        lambda status: str(INSTANCE_STATUS.get(status, status)), "instance_status"
    )
