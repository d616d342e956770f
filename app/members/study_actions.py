"""The study-hours check a service task of ``member_education_training`` calls: each member's
hours so far (``study_hours``), the members behind reminded in-app and listed for the next step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.identity.models import Person
from app.identity.models import User
from app.members.study_hours import study_hours_by_person
from app.members.study_hours import year_members
from app.notify.commands import notify
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter


def _check(call: ActionCall) -> list[dict[str, Any]]:
    """Count the branch's hours of the year; remind those below ``target_hours`` (when asked).
    Returns those behind as the next step's options (``x-optionsFrom``): the person's id, their
    name with the hours so far as the label, and the hours."""
    session, year = call.ctx.session, call.params["year"]
    hours = study_hours_by_person(session, call.org.id, year)
    target = float(call.params["target_hours"])
    members = year_members(session, call.org.id, year)
    behind = [{"person": p, "hours": hours[p]} for p in members if hours[p] < target]
    if call.params["remind"] and behind:
        _remind(call, behind, target)
    names = dict(
        session.execute(
            select(Person.id, Person.name).where(Person.id.in_([b["person"] for b in behind]))
        ).all()
    )
    return [
        {
            "value": b["person"],
            "label": f"{names[b['person']]}（{b['hours']:g}学时）",
            "label_en": f"{names[b['person']]} ({b['hours']:g} h)",
            "hours": b["hours"],
        }
        for b in behind
    ]


def _remind(call: ActionCall, behind: list[dict[str, Any]], target: float) -> None:
    accounts = dict(
        call.ctx.session.execute(
            select(User.person_id, User.id).where(
                User.person_id.in_([b["person"] for b in behind]), User.active.is_(True)
            )
        ).all()
    )
    for entry in behind:
        user_id = accounts.get(entry["person"])
        if user_id is None:
            continue
        notify(
            call.ctx,
            [user_id],
            kind="reminder",
            title=f"学时提醒：本年度已记录{entry['hours']:g}学时，应不少于{target:g}学时，请参加补学",
            title_en=(
                f"Study hours: {entry['hours']:g} recorded this year, at least {target:g} due;"
                " please make up"
            ),
            instance_id=call.row.id,
        )


STUDY_ACTIONS = (
    Action(
        "remind_study_hours_behind",
        "核算学时并提醒落后党员",
        "Count study hours and remind the members behind",
        "Counts each member's study hours of the year from party lectures, themed party days, "
        "training sessions and approved claims; reminds in-app, when asked, the members below the "
        "target; returns those behind, with their hours, as the next step's options.",
        ("站内提醒 in-app reminders",),
        (
            Parameter("year", "integer", "年度", "year"),
            Parameter("target_hours", "integer", "应达学时", "hours due by now"),
            Parameter("remind", "boolean", "提醒落后党员", "remind those behind"),
        ),
        _check,
    ),
)
