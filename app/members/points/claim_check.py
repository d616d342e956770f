"""The check after a member claims points (service task ``check_points_claim``): a member claims
for themselves only, and only an item the scheme in force lets members claim; anything else is
refused next to the field, and nothing is kept."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.identity.models import User
from app.members.points.versions import current_scheme
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter


def _check(call: ActionCall) -> None:
    claimant, item = call.params["claimant"], call.params["item"]
    actor = call.ctx.actor.user_id
    if actor is not None:
        person = call.ctx.session.scalar(select(User.person_id).where(User.id == actor))
        if person != claimant:
            raise ValidationFailed(
                _("Points are claimed by the member themselves."),
                {"claimant": _("Choose yourself.")},
            )
    if item not in {i.id for i in current_scheme(call.ctx.session).claimable}:
        raise ValidationFailed(
            _("The points scheme in force has no such item to claim."),
            {"item": _("Choose an item of the scheme.")},
        )


ACTIONS = (
    Action(
        "check_points_claim",
        "核对积分申报",
        "Check a points claim",
        "Refuses a claim made for someone else or for an item the scheme in force does not let "
        "members claim.",
        ("无：仅核对，被拒绝的申报不保存 nothing: a check; a refused claim is not kept",),
        (
            Parameter("claimant", "person_id", "申报党员", "member claiming"),
            Parameter("item", "string", "积分项目", "item"),
        ),
        _check,
    ),
)
