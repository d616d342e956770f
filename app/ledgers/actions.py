"""The ledgers' domain actions (台账资料管理与年度归档), called by the service tasks of
processes/branches/records_ledger_archiving.bpmn and ledger_handover.bpmn: the branch's ledger
set, the quarter's row counts, the confirmed self-check, the annual archive's seal and its
verification, and the list a secretary hands over."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.core import clock
from app.core.errors import Conflict
from app.core.errors import ValidationFailed
from app.ledgers import archive
from app.ledgers import selfcheck
from app.ledgers.models import LedgerArchive
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Catalogue
from app.workflow.actions import Parameter

YEAR = Parameter("year", "integer", "年度", "year")
QUARTER = Parameter("quarter", "integer", "季度", "quarter")


def _ledger_set(call: ActionCall) -> list[dict[str, str]]:
    return selfcheck.ledger_set(call.org)


def _count(call: ActionCall) -> list[dict[str, Any]]:
    return selfcheck.quarter_counts(
        call.ctx.session, call.org, call.params["year"], call.params["quarter"]
    )


def _record_check(call: ActionCall) -> None:
    selfcheck.record_self_check(
        call.ctx,
        org_id=call.org.id,
        year=call.params["year"],
        quarter=call.params["quarter"],
        checks=list(call.data.get("checks") or []),
        instance_id=call.row.id,
    )


def _seal(call: ActionCall) -> dict[str, Any]:
    try:
        row = archive.seal_archive(
            call.ctx,
            org_id=call.org.id,
            year=call.params["year"],
            instance_id=call.row.id,
            supersede_reason=call.params["supersede_reason"],
        )
    except Conflict as refused:  # the step's answer may give the reason to supersede
        raise ValidationFailed(refused.message, {"supersede_reason": refused.message}) from None
    return _shown(row)


def _shown(row: LedgerArchive) -> dict[str, Any]:
    return {
        "id": row.id,
        "year": row.year,
        "manifest_hash": row.manifest_hash,
        "bundle_sha256": row.bundle_sha256,
        "files": row.file_count,
    }


def _verify(call: ActionCall) -> dict[str, Any]:
    row = call.ctx.session.get(LedgerArchive, call.params["archive_id"])
    if row is None or row.org_unit_id != call.org.id:
        raise ValueError("no such archive of this branch")
    result = archive.verify_archive(call.ctx.session, row, call.ctx.events)
    return {
        "intact": result.intact,
        "files_checked": result.files_checked,
        "problems": list(result.problems),
    }


def _handover_items(call: ActionCall) -> list[dict[str, str]]:
    """The ledgers the branch keeps and its sealed archives, as the hand-over's list."""
    items = [
        {"item": entry["title"], "kind": "ledger", "detail": entry["ledger"]}
        for entry in selfcheck.ledger_set(call.org)
    ]
    for row in archive.archives_of(call.ctx.session, call.org.id):
        day = row.sealed_at.astimezone(clock.local_zone()).date().isoformat()
        items.append(
            {
                "item": _("Archive %(year)d", year=row.year),
                "kind": "archive",
                "detail": f"{day} SHA-256 {row.manifest_hash[:16]}…",
            }
        )
    return items


ACTIONS = (
    Action(
        "list_branch_ledgers",
        "列出支部台账目录",
        "List the branch's ledgers",
        "Returns the ledgers the branch keeps (ledgers/ registry): [{ledger, title}].",
        ("不写入记录 nothing: it reads the ledger registry",),
        (),
        _ledger_set,
    ),
    Action(
        "count_ledger_rows",
        "统计本季度台账记录",
        "Count the quarter's ledger rows",
        "Returns each ledger of the branch with the rows dated in the quarter of the year, marked "
        "complete where it has rows and no_records where it has none: [{ledger, title, rows, "
        "complete, note}].",
        ("不写入记录 nothing: it reads the ledgers",),
        (YEAR, QUARTER),
        _count,
    ),
    Action(
        "record_ledger_self_check",
        "登记季度自查结果",
        "Record the quarter's self-check",
        "Keeps the answer `checks` of the self-check step as the branch's self-check of the "
        "quarter (criterion C18 counts the ledgers marked incomplete); refused when an "
        "incomplete ledger has no note.",
        ("台账季度自查记录 ledger self-check",),
        (YEAR, QUARTER),
        _record_check,
    ),
    Action(
        "seal_ledger_archive",
        "封存年度归档包",
        "Seal the year's archive",
        "Bundles the branch's ledgers of the closed year (JSON and Excel) and the documents "
        "uploaded in it with a manifest of their SHA-256 hashes, stores the zip and records the "
        "manifest's hash in the audit trail. Refused while the year is open, and for a year "
        "archived already unless `supersede_reason` says why it is archived again. Returns "
        "{id, year, manifest_hash, bundle_sha256, files}.",
        ("年度归档包 annual archive", "审计链记录 audit trail event"),
        (
            YEAR,
            Parameter(
                "supersede_reason", "string", "重新归档原因（无则为空）", "reason (empty: none)"
            ),
        ),
        _seal,
    ),
    Action(
        "verify_ledger_archive",
        "校验归档包",
        "Verify the archive",
        "Recomputes the archive's hashes from the stored bundle and the audit trail; returns "
        "{intact, files_checked, problems}.",
        ("不写入记录 nothing: it only checks",),
        (Parameter("archive_id", "integer", "归档包", "archive"),),
        _verify,
    ),
    Action(
        "list_handover_items",
        "列出移交清单",
        "List what is handed over",
        "Returns the branch's ledgers and sealed archives as the hand-over list: "
        "[{item, kind, detail}].",
        ("不写入记录 nothing: it reads the ledgers and archives",),
        (),
        _handover_items,
    ),
)


def register_actions(catalogue: Catalogue) -> None:
    for action in ACTIONS:
        catalogue.register(action)
