"""Ledgers whose rows a domain computes (``"rows": {"computed": "<name>"}``): a row per member
with the study hours each procedure recorded, say, which no single instance holds.

The domain registers a row source by name when the app is built (``create_app``), since a ledger
may not import the domain packages beside it. A source gets the session, the organisation's id
and the year, and returns the rows as dicts; the ledger's columns read their ``field`` from each
dict and show it as ``show`` says (a person's id as a name, a number as text). Rows open no record:
they are numbered instead of linked to an instance.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from flask import Flask
from flask import current_app
from sqlalchemy.orm import Session

from app.identity.models import OrgUnit
from app.ledgers.definitions import LedgerDef
from app.ledgers.sources import Record
from app.workflow.models import InstanceStatus

RowSource = Callable[[Session, int, int], list[dict[str, Any]]]
_KEY = "ledger_row_sources"
_START = datetime(2000, 1, 1, tzinfo=UTC)  # a computed row has no instance, nor its start


def init_app(app: Flask, sources: Mapping[str, RowSource]) -> None:
    app.extensions.setdefault(_KEY, {}).update(sources)


def computed_rows(
    session: Session, ledger: LedgerDef, org: OrgUnit, year: int
) -> list[tuple[Record, date, list[Any]]]:
    """The rows for the generic table (``table.ledger_table``): a stand-in record (id 0: no
    instance to open), the year's last day, and each column's cell."""
    from app.ledgers.table import Cell  # noqa: PLC0415 - the table calls this module

    source = current_app.extensions.get(_KEY, {}).get(ledger.computed)
    if source is None:
        return []  # no domain registered it: an empty ledger rather than a broken page
    on = date(year, 12, 31)
    found: list[tuple[Record, date, list[Any]]] = []
    for values in source(session, org.id, year):
        cells = [
            Cell(column.show or "text", next(_present(values, column.fields), None))
            for column in ledger.columns
        ]
        record = Record(0, "", "", "", InstanceStatus.COMPLETED, _START, None, values)
        found.append((record, on, cells))
    return found


def _present(values: dict[str, Any], fields: tuple[str, ...]) -> Iterator[Any]:
    return (values[f] for f in fields if values.get(f) is not None)
