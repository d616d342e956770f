"""Values a domain computes per person for a ledger of people (``"rows": "people"``): a column
whose ``field`` is ``"<source>.<key>"`` shows the value ``key`` of the person's entry in the
source (``study_hours.total``: the member's study hours of the year, ``app/members``).

The domain registers its source by name when the app is built (``create_app``), since the
ledgers may not import the domain packages beside them. A source gets the session, the branches'
ids and the year, and answers branch id → person id → {key: value} for all of them at once (a
unit's roll-up reads every branch in the same call); a person it does not list gets its
``defaults``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask
from flask import current_app
from sqlalchemy.orm import Session

from app.ledgers.cells import Cell
from app.ledgers.definitions import Column
from app.ledgers.definitions import LedgerDef
from app.ledgers.definitions import is_domain_field

_KEY = "ledger_person_values"
ByBranch = dict[int, dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class PersonValues:
    read: Callable[[Session, list[int], int], ByBranch]
    defaults: Mapping[str, Any] = field(default_factory=dict)


def init_app(app: Flask, sources: Mapping[str, PersonValues]) -> None:
    app.extensions.setdefault(_KEY, {}).update(sources)


def domain_values(
    session: Session, ledger: LedgerDef, branch_ids: list[int], year: int
) -> dict[str, tuple[PersonValues, ByBranch]]:
    """Each source the ledger's columns name, read once for all the branches (an unregistered
    source reads as nothing: empty cells rather than a broken page)."""
    registry = current_app.extensions.get(_KEY, {})
    wanted = {f.partition(".")[0] for c in ledger.columns for f in c.fields if is_domain_field(f)}
    return {
        name: (registry[name], registry[name].read(session, branch_ids, year))
        for name in wanted
        if name in registry
    }


def domain_cell(
    column: Column,
    found: dict[str, tuple[PersonValues, ByBranch]],
    person_id: int,
    branch_id: int,
) -> Cell:
    source, _dot, key = column.fields[0].partition(".")
    if source not in found:
        return Cell(column.show or "text", "")
    values, by_branch = found[source]
    entry = by_branch.get(branch_id, {}).get(person_id)
    value = (entry or values.defaults).get(key, "")
    return Cell(column.show or "text", value)
