"""Ledgers whose rows a domain computes instead of reading them from answers (the member points
ledger: the points are computed from many procedures' records, never typed). A domain registers a
row source by name when the app is built (``app/__init__.py``, so this package imports no domain)
and a ledger file names it: ``"rows": {"computed": "<name>"}``; the ledger keeps its pages, print,
Excel export and unit roll-up.

A source is ``source(session, branch, year, today) -> list[dict]``: per row, the values by the
columns' ``field`` names, in the order the rows are to be listed. A column shown as ``person``
gets the person's name; numbers show without trailing zeros. Rows open no record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from flask import Flask
from flask import current_app
from sqlalchemy.orm import Session

from app.core import clock
from app.identity.models import OrgUnit
from app.ledgers.cells import Cell
from app.ledgers.definitions import LedgerDef
from app.ledgers.sources import Record
from app.workflow.models import InstanceStatus

RowSource = Callable[[Session, OrgUnit, int, date], list[dict[str, Any]]]
_KEY = "ledgers.computed"
#: A computed row is no instance: it was never started, and it is complete.
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def register_row_source(app: Flask, name: str, source: RowSource) -> None:
    app.extensions.setdefault(_KEY, {})[name] = source


def computed_rows(
    session: Session, ledger: LedgerDef, orgs: list[OrgUnit], year: int, locale: str
) -> tuple[list[tuple[Record, date, list[Cell]]], tuple[str, ...]]:
    """The rows of each organisation (none while no source of that name is registered) and the
    headings, in the shape the table engine shows."""
    source = current_app.extensions.get(_KEY, {}).get(ledger.computed)
    today = clock.local_today()
    found = []
    for org in orgs:
        for number, row in enumerate(source(session, org, year, today) if source else [], 1):
            record = Record(number, "", "", "", InstanceStatus.COMPLETED, _NEVER, None, {}, org.id)
            cells = [_cell(row.get(c.fields[0]), c.show) for c in ledger.columns]
            found.append((record, date(year, 1, 1), cells))
    headings = tuple(c.title_for(locale) or c.fields[0] for c in ledger.columns)
    return found, headings


def _cell(value: Any, show: str | None) -> Cell:
    if show == "person":
        return Cell("person", value)
    if isinstance(value, float):
        return Cell("text", f"{value:g}")
    return Cell("text", "" if value is None else str(value))
