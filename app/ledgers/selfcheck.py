"""The quarterly self-check of a branch's ledgers (季度自查): each ledger the branch keeps with the
rows it holds for the quarter, which the organisation member marks complete, incomplete (with a
note) or without records this quarter; the confirmed check is kept as a record that criterion C18
reads."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.commands import CommandContext
from app.core.errors import ValidationFailed
from app.identity.models import OrgUnit
from app.ledgers.archive import branch_ledgers
from app.ledgers.models import LedgerSelfCheck
from app.ledgers.table import ledger_table

COMPLETE, INCOMPLETE, NO_RECORDS = "complete", "incomplete", "no_records"
MARKS = (COMPLETE, INCOMPLETE, NO_RECORDS)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def ledger_set(org: OrgUnit) -> list[dict[str, str]]:
    """The ledgers the branch keeps, as the year's catalogue offers them (key and name)."""
    return [{"ledger": d.key, "title": d.title} for d in branch_ledgers(org)]


def quarter_counts(session: Session, org: OrgUnit, year: int, quarter: int) -> list[dict[str, Any]]:
    """Each ledger of the branch with its rows dated in the quarter, marked as a start for the
    check: complete where it has rows, "no records" where it has none (the member decides)."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter {quarter} is not 1–4")
    counts = []
    for ledger in branch_ledgers(org):
        table = ledger_table(session, ledger, org, year, clock.local_zone(), "zh")
        rows = sum(1 for r in table.rows if quarter_of(r.on) == quarter)
        counts.append(
            {
                "ledger": ledger.key,
                "title": ledger.title,
                "rows": rows,
                "complete": COMPLETE if rows else NO_RECORDS,
                "note": "",
            }
        )
    return counts


def record_self_check(
    ctx: CommandContext,
    *,
    org_id: int,
    year: int,
    quarter: int,
    checks: list[dict[str, Any]],
    instance_id: int | None = None,
) -> LedgerSelfCheck:
    """Keep the quarter's check. An incomplete ledger needs a note saying what is missing.
    Records ``ledger_self_check_recorded``."""
    if not 1 <= quarter <= 4:
        raise ValidationFailed(_("The quarter must be 1 to 4."), {"quarter": _("1 to 4")})
    unnoted = [c.get("title") or c.get("ledger") for c in checks if _unnoted(c)]
    if unnoted:
        raise ValidationFailed(
            _("Say what is missing from each incomplete ledger."),
            {"checks": _("No note for: %(names)s", names="、".join(map(str, unnoted)))},
        )
    incomplete = sorted({str(c["ledger"]) for c in checks if c.get("complete") == INCOMPLETE})
    row = LedgerSelfCheck(
        org_unit_id=org_id,
        year=year,
        quarter=quarter,
        instance_id=instance_id,
        checked_at=ctx.now,
        checked_by_login=ctx.actor.login,
        checks_json=json.dumps(checks, ensure_ascii=False, sort_keys=True),
        incomplete_json=json.dumps(incomplete),
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(
        "ledger_self_check_recorded",
        ("ledger_self_check", row.id),
        org_unit_id=org_id,
        year=year,
        quarter=quarter,
        incomplete=incomplete,
    )
    return row


def _unnoted(check: dict[str, Any]) -> bool:
    return check.get("complete") == INCOMPLETE and not str(check.get("note") or "").strip()


def latest_checks(session: Session, org_ids: list[int], year: int) -> dict[int, LedgerSelfCheck]:
    """Branch id → its last self-check of the year (the latest quarter, then the latest made)."""
    rows = session.scalars(
        select(LedgerSelfCheck)
        .where(LedgerSelfCheck.org_unit_id.in_(org_ids), LedgerSelfCheck.year == year)
        .order_by(LedgerSelfCheck.quarter, LedgerSelfCheck.id)
    )
    return {row.org_unit_id: row for row in rows}


def checked_branches(session: Session, org_ids: list[int], year: int) -> set[int]:
    """The branches among ``org_ids`` with a self-check recorded in ``year``."""
    return set(
        session.scalars(
            select(LedgerSelfCheck.org_unit_id)
            .where(LedgerSelfCheck.org_unit_id.in_(org_ids), LedgerSelfCheck.year == year)
            .distinct()
        )
    )
