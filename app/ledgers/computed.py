"""Ledgers whose rows a domain computes instead of reading them from answers (the member points
ledger: the points are computed from many procedures' records, never typed). A domain registers a
row source by name when the app is built (``app/__init__.py``) and a ledger file names it:
``"rows": {"computed": "<name>"}``; the ledger keeps its pages, print and Excel export.

A source is ``source(session, org, year, today) -> list[dict]``: per row, the values by the
columns' ``field`` names, and optionally ``$on`` (the row's date) and ``$link`` (the page the row
opens). A column shown as ``person`` gets the person's name; numbers show without trailing zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from flask import current_app
from sqlalchemy.orm import Session

from app.core import clock
from app.identity.models import OrgUnit
from app.ledgers.definitions import LedgerDef
from app.ledgers.sources import person_names
from app.ledgers.table import LedgerRow
from app.ledgers.table import LedgerTable

RowSource = Callable[[Session, OrgUnit, int, date], list[dict[str, Any]]]
_KEY = "ledgers.computed"


def register_row_source(app: Flask, name: str, source: RowSource) -> None:
    app.extensions.setdefault(_KEY, {})[name] = source


def computed_table(
    session: Session, ledger: LedgerDef, org: OrgUnit, year: int, locale: str
) -> LedgerTable:
    """The ledger's rows from its source (none while no source of that name is registered)."""
    source = current_app.extensions.get(_KEY, {}).get(ledger.computed)
    found = source(session, org, year, clock.local_today()) if source else []
    people = {
        row.get(column.fields[0])
        for row in found
        for column in ledger.columns
        if column.show == "person" and isinstance(row.get(column.fields[0]), int)
    }
    names = person_names(session, people)
    rows = tuple(
        LedgerRow(
            number,
            row.get("$on") or date(year, 12, 31),
            False,
            tuple(_text(row.get(c.fields[0]), c.show, names) for c in ledger.columns),
            row.get("$link"),
        )
        for number, row in enumerate(found, start=1)
    )
    headings = tuple(c.title_for(locale) for c in ledger.columns)
    return LedgerTable(ledger, org, year, headings, rows)


def _text(value: Any, show: str | None, names: dict[int, str]) -> str:
    if value is None:
        return ""
    if show == "person" and isinstance(value, int):
        return names.get(value, "")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
