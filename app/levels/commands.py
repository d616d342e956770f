"""Write use cases of the level history: recording a level decision (one command, one transaction).

``record_level`` closes the branch's current row and opens a new one; closing is the only update the
history ever receives (the database refuses any other, migration 0012). It also copies the new level
to ``OrgUnit.level`` and records ``branch_level_recorded`` with the old and the new level.

Plaque numbers (授牌, domain.md §5 rule 5). An upgrade to 标准化, 红旗 or 示范 issues a plaque.
When the decision does not name one, it is numbered ``<company code>-<year>-<level>-<serial>``,
for example ``HH-2027-示范-001``: the company's code, the year of the decision, the level in
Chinese (标准化 / 红旗 / 示范) and a three-digit serial that counts up from 001 per year and
level (the highest serial of that prefix plus one). The number is unique (a database
constraint): two concurrent decisions taking the same serial give one conflict, never a
duplicate plaque. A delisting (摘牌降级) withdraws the current row's plaque: the closed row
keeps its number and gets ``delisted_on``.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.identity.commands.orgs import OrgDetails
from app.identity.commands.orgs import create_org_unit
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.policy import load_scope
from app.levels.models import BranchLevel
from app.levels.policy import require_level_recorder
from app.levels.queries import RANK
from app.levels.queries import current_level_row
from app.levels.queries import plaque_serials

#: The levels that carry a plaque, with the word used in plaque numbers.
PLAQUE_LEVELS = {Level.STANDARDISED: "标准化", Level.RED_FLAG: "红旗", Level.MODEL: "示范"}
TEXT_LIMIT = 500
PLAQUE_LIMIT = 40


#: How a level given when a branch is created appears in its level history.
LEVEL_ON_PAPER = "建档时已持有的等级（纸质记录）"


def create_org_unit_with_level(
    ctx: CommandContext,
    *,
    parent_code: str | None,
    code: str,
    kind: OrgKind,
    details: OrgDetails,
    level: Level | None = None,
) -> int:
    """Create a node (identity's command); a branch created with the level it already holds on
    paper starts its level history with it, so the dashboard counts it like any other."""
    node_id = create_org_unit(
        ctx, parent_code=parent_code, code=code, kind=kind, details=details, level=level
    )
    if level is not None:
        ctx.session.add(
            BranchLevel(
                branch_id=node_id,
                level=level,
                held_from=ctx.today,
                decided_by=LEVEL_ON_PAPER,
                reason="",
                recorded_at=ctx.now,
                recorded_by_login=ctx.actor.login,
            )
        )
    return node_id


def plaque_number(company_code: str, year: int, level: Level, serial: int) -> str:
    return f"{company_code}-{year}-{PLAQUE_LEVELS[level]}-{serial:03d}"


def next_plaque_number(ctx: CommandContext, company_code: str, year: int, level: Level) -> str:
    prefix = plaque_number(company_code, year, level, 0)[:-3]
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    serials = [
        int(match.group(1))
        for number in plaque_serials(ctx.session, prefix)
        if (match := pattern.fullmatch(number))
    ]
    return plaque_number(company_code, year, level, max(serials, default=0) + 1)


def record_level(
    ctx: CommandContext,
    *,
    branch_code: str,
    level: Level | str,
    decided_on: date,
    decided_by: str,
    cycle: str | int | None = None,
    plaque_no: str | None = None,
    delisted: bool = False,
    reason: str = "",
) -> int:
    """Record a level decision for a branch; return the id of the new history row.

    Refused (``ValidationFailed``, nothing changed) when the branch is unknown, the date lies
    before the current level's start or in the future, the level is the one already held, the
    decision is not cited, a delisting is not a downgrade of a plaque holder, or a plaque is named
    for anything but an upgrade to 标准化 or above.
    """
    if ctx.actor.user_id is not None:
        require_level_recorder(load_scope(ctx.session, ctx.actor.user_id, ctx.today))
    return write_level(
        ctx,
        branch_code=branch_code,
        level=level,
        decided_on=decided_on,
        decided_by=decided_by,
        cycle=cycle,
        plaque_no=plaque_no,
        delisted=delisted,
        reason=reason,
    )


def write_level(
    ctx: CommandContext,
    *,
    branch_code: str,
    level: Level | str,
    decided_on: date,
    decided_by: str,
    cycle: str | int | None = None,
    plaque_no: str | None = None,
    delisted: bool = False,
    reason: str = "",
) -> int:
    """``record_level`` without asking who the actor is: for a decision a process already
    authorised (the grading cycle's committee steps)."""
    branch = ctx.session.scalars(select(OrgUnit).where(OrgUnit.code == branch_code)).one_or_none()
    if branch is None or branch.kind is not OrgKind.BRANCH:
        raise ValidationFailed(
            _("The level was not recorded."), {"branch_code": _("No party branch has this code.")}
        )
    try:
        level = Level(level)
    except ValueError:
        raise ValidationFailed(
            _("The level was not recorded."), {"level": _("Choose one of the five levels.")}
        ) from None
    decided_by = decided_by.strip()
    reason = reason.strip()
    plaque_no = (plaque_no or "").strip() or None
    current = current_level_row(ctx.session, branch.id)
    old_level = current.level if current else branch.level
    upgrade = old_level is None or RANK[level] > RANK[old_level]

    errors: dict[str, str] = {}
    if decided_on > ctx.today:
        errors["decided_on"] = _("A decision cannot be dated in the future.")
    elif current is not None and decided_on < current.held_from:
        errors["decided_on"] = _(
            "The decision cannot be dated before the current level's start (%(day)s).",
            day=current.held_from.isoformat(),
        )
    if current is not None and current.level is level:
        errors["level"] = _("The branch already holds this level.")
    if not decided_by or len(decided_by) > TEXT_LIMIT:
        errors["decided_by"] = _("Cite the decision (at most %(n)d characters).", n=TEXT_LIMIT)
    if len(reason) > TEXT_LIMIT:
        errors["reason"] = _("At most %(n)d characters.", n=TEXT_LIMIT)
    if delisted and (current is None or current.plaque_no is None or upgrade or old_level is level):
        errors["delisted"] = _("Only a downgrade of a branch holding a plaque can delist it.")
    if plaque_no is not None:
        if not upgrade or level not in PLAQUE_LEVELS:
            errors["plaque_no"] = _(
                "A plaque is issued only on an upgrade to Standardised or above."
            )
        elif len(plaque_no) > PLAQUE_LIMIT:
            errors["plaque_no"] = _("At most %(n)d characters.", n=PLAQUE_LIMIT)
        elif ctx.session.scalar(select(BranchLevel.id).where(BranchLevel.plaque_no == plaque_no)):
            errors["plaque_no"] = _("This plaque number was already issued.")
    if errors:
        raise ValidationFailed(_("The level was not recorded."), errors)

    row = apply_decision(
        ctx,
        branch,
        current,
        previous=old_level,
        level=level,
        decided_on=decided_on,
        decided_by=decided_by,
        cycle=None if cycle is None else str(cycle),
        plaque_no=plaque_no,
        delisted=delisted,
        reason=reason,
    )
    ctx.record(
        "branch_level_recorded",
        ("org_unit", branch.id),
        org_unit_id=branch.id,
        branch_code=branch.code,
        branch_level_id=row.id,
        old_level=old_level.value if old_level else None,
        new_level=level.value,
        decided_on=decided_on.isoformat(),
        decided_by=decided_by,
        cycle=row.cycle,
        plaque_no=row.plaque_no,
        delisted=delisted,
        withdrawn_plaque=current.plaque_no if delisted and current else None,
        reason=reason,
    )
    return row.id


def apply_decision(
    ctx: CommandContext,
    branch: OrgUnit,
    current: BranchLevel | None,
    *,
    previous: Level | None,
    level: Level,
    decided_on: date,
    decided_by: str,
    cycle: str | None,
    plaque_no: str | None,
    delisted: bool,
    reason: str,
) -> BranchLevel:
    """Close ``current`` (the only update), open the new row, number a plaque, set OrgUnit.level.

    ``previous`` is the level held before: moving up from it (or from none) to 标准化 or above
    issues a plaque unless ``plaque_no`` names one.

    Checks nothing and records nothing: ``record_level`` validates and audits; the demo loader
    writes histories it built consistently and is audited as one ``demo_data_loaded`` event.
    """
    upgrade = previous is None or RANK[level] > RANK[previous]
    if plaque_no is None and upgrade and level in PLAQUE_LEVELS:
        company = ctx.session.get(OrgUnit, int(branch.path.strip("/").split("/")[0]))
        plaque_no = next_plaque_number(ctx, company.code, decided_on.year, level)
    if current is not None:
        current.held_to = decided_on
        if delisted:
            current.delisted_on = decided_on
        ctx.session.flush()  # the current row is closed before the new one opens (unique index)
    row = BranchLevel(
        branch_id=branch.id,
        level=level,
        held_from=decided_on,
        held_to=None,
        decided_by=decided_by,
        cycle=cycle,
        plaque_no=plaque_no,
        delisted_on=None,
        reason=reason,
        recorded_at=ctx.now,
        recorded_by_login=ctx.actor.login,
    )
    ctx.session.add(row)
    branch.level = level
    ctx.session.flush()
    return row
