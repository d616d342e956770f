"""党务公开 (``party_affairs_disclosure``, 《中国共产党党务公开条例（试行）》第十五条: 提出、审核、
审批、实施): each disclosure is an instance — proposed, checked for secrets and accuracy, approved,
posted for a period, the views collected and answered. Its answers are the register
(``ledgers/disclosure_register.json``); the compliance calendar expects one a quarter
(``app/meetings/schedule.toml``), which criterion C15 reads.

``post_disclosure`` (the service task after the secretary posts it): the posting day cannot lie
ahead; the branch's members with an account are told in-app (the disclosure's first audience);
returns the last day of the posting period, when the views are collected.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.identity.models import Person
from app.identity.models import User
from app.notify.commands import notify
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

DISCLOSURE_PROCESS = "party_affairs_disclosure"
#: How much of the content the members' notification quotes.
QUOTED = 40


def _post(call: ActionCall) -> str:
    posted = date.fromisoformat(call.params["published_on"])
    if posted > call.ctx.today:
        raise ValidationFailed(
            _("A disclosure is recorded once it is posted."),
            {"published_on": _("The day cannot be later than today.")},
        )
    members = call.ctx.session.scalars(
        select(User.id)
        .join(Person, Person.id == User.person_id)
        .where(Person.branch_id == call.org.id)
    )
    content = str(call.data.get("content") or "").strip().replace("\n", " ")
    quoted = content[:QUOTED] + ("…" if len(content) > QUOTED else "")
    notify(
        call.ctx,
        list(members),
        kind="published",
        title=f"党务公开：{quoted}",
        title_en=f"Party affairs disclosed: {quoted}",
        instance_id=call.row.id,
    )
    return (posted + timedelta(days=call.params["period_days"])).isoformat()


DISCLOSURE_ACTIONS = (
    Action(
        "post_disclosure",
        "实施党务公开",
        "Post the disclosure",
        "Checks the posting day (not later than today), tells the branch's members in-app and "
        "returns the last day of the posting period, after which the views are collected.",
        ("站内通知 notifications to the branch's members",),
        (
            Parameter("published_on", "date", "公开日期", "posted on"),
            Parameter("period_days", "integer", "公开期限（天）", "posted for (days)"),
        ),
        _post,
    ),
)
