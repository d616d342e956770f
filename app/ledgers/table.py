"""A ledger of one organisation for one year, as rows of text: the generic engine every ledger
file runs through (ledgers/README.md). Values are read from the instance's answers, shown as
the procedure's form shows them: people and groups by name, options by their label, times in
Beijing time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.formdefs.model import FieldDef
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.ledgers.cells import INSTANCE_SHOWS
from app.ledgers.cells import PEOPLE_SHOWS
from app.ledgers.cells import SHOW_OF_KIND
from app.ledgers.cells import Cell
from app.ledgers.cells import parse_moment
from app.ledgers.computed import computed_rows
from app.ledgers.definitions import Column
from app.ledgers.definitions import LedgerDef
from app.ledgers.people import roster_rows
from app.ledgers.shown import Shown
from app.ledgers.sorting import column_key
from app.ledgers.sources import RUNNING
from app.ledgers.sources import Record
from app.ledgers.sources import form_fields
from app.ledgers.sources import org_names
from app.ledgers.sources import person_names
from app.ledgers.sources import records_of
from app.workflow.roster import entitled_at
from app.workflow.roster import question_for


@dataclass(frozen=True)
class LedgerRow:
    #: The record the row opens (None for a person of the member roster).
    instance_id: int | None
    on: date
    running: bool
    cells: tuple[str, ...]


@dataclass(frozen=True)
class LedgerTable:
    ledger: LedgerDef
    org: OrgUnit
    year: int
    headings: tuple[str, ...]
    rows: tuple[LedgerRow, ...]
    #: A unit's (or general branch's) roll-up of the ledgers kept below it: the first column
    #: names each row's organisation.
    rollup: bool = False


def ledger_table(
    session: Session, ledger: LedgerDef, org: OrgUnit, year: int, zone: ZoneInfo, locale: str
) -> LedgerTable:
    """The ledger of ``org`` for ``year``; at a unit or general branch that does not keep it,
    the roll-up of the organisations below that do, read in the same handful of queries."""
    orgs = kept_below(session, ledger, org)
    if ledger.people_rows:
        found, headings = roster_rows(session, ledger, orgs, year, locale)
        return _table(session, ledger, org, year, orgs, found, headings, zone, locale)
    if ledger.computed:  # rows a domain computes (the member points): app/ledgers/computed.py
        found, headings = computed_rows(session, ledger, orgs, year, locale)
        return _table(session, ledger, org, year, orgs, found, headings, zone, locale)
    between = (datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone))
    ids = [o.id for o in orgs]
    records = records_of(session, ids, ledger.process_keys, between, ledger.include_running)
    by_process = form_fields(session, ledger.process_keys)
    found: list[tuple[Record, date, list[Cell]]] = []
    for record in records:
        on = _row_date(record, ledger, zone)
        if on.year != year:
            continue
        fields = by_process[record.process_key]
        for item in _items(record.data, ledger):
            found.append((record, on, [_cell(c, record, item, fields) for c in ledger.columns]))
    found = _with_absent(session, {o.id: o for o in orgs}, found)
    headings = tuple(
        c.title_for(locale) or _form_label(c, by_process, locale) for c in ledger.columns
    )
    return _table(session, ledger, org, year, orgs, found, headings, zone, locale)


def _table(
    session: Session,
    ledger: LedgerDef,
    org: OrgUnit,
    year: int,
    orgs: list[OrgUnit],
    found: list[tuple[Record, date, list[Cell]]],
    headings: tuple[str, ...],
    zone: ZoneInfo,
    locale: str,
) -> LedgerTable:
    """The rows as text, in date order (a roll-up names each row's organisation first)."""
    rollup = org.kind.value not in ledger.org_kinds
    names = person_names(session, {i for _r, _o, cells in found for i in _people(cells)})
    wanted = {c.value for *_x, cells in found for c in cells if c.show == "org"}
    shown = Shown(names, org_names(session, wanted), zone, locale)
    where = {o.id: o.name for o in orgs}
    rows = [
        LedgerRow(
            record.id if record.process_key else None,
            on,
            record.status in RUNNING,
            ((where[record.org_id],) if rollup else ()) + tuple(shown(c) for c in cells),
        )
        for record, on, cells in found
    ]
    if not ledger.people_rows and not ledger.computed:  # those come in their own order
        rows.sort(key=lambda r: (r.on, r.instance_id))
    if rollup:
        headings = (
            _("Branch") if ledger.org_kinds == ("branch",) else _("Organisation"),
            *headings,
        )
    return LedgerTable(ledger, org, year, headings, tuple(rows), rollup)


def kept_below(session: Session, ledger: LedgerDef, org: OrgUnit) -> list[OrgUnit]:
    """Where the rows come from: ``org`` itself where it keeps the ledger, else the organisations
    below it that keep it (a unit's branches), in tree order, in one query."""
    if org.kind.value in ledger.org_kinds:
        return [org]
    return list(
        session.scalars(
            select(OrgUnit)
            .where(
                OrgUnit.path.startswith(org.path),
                OrgUnit.id != org.id,
                OrgUnit.kind.in_([OrgKind(kind) for kind in ledger.org_kinds]),
            )
            .order_by(OrgUnit.path)
        )
    )


def _with_absent(
    session: Session, orgs: dict[int, OrgUnit], found: list[tuple[Record, date, list[Cell]]]
) -> list[tuple[Record, date, list[Cell]]]:
    """Cells shown as ``absent`` get who was entitled to attend and was not there, by the form's
    rule on the meeting's day at the meeting's branch (all meetings' rolls read at once, for
    every branch of a roll-up), with the reason where the meeting recorded one (``absentees``)."""
    now = clock.now()
    asked = {
        (record.id, index): question_for(cell.field, orgs[record.org_id], record.data, now)
        for record, _on, cells in found
        for index, cell in enumerate(cells)
        if cell.show == "absent" and cell.field is not None and cell.field.people
    }
    entitled = entitled_at(session, {q for q in asked.values() if q is not None})
    result = []
    for record, on, cells in found:
        reasons = {
            e.get("person"): e.get("reason", "")
            for e in record.data.get("absentees") or ()
            if isinstance(e, dict)
        }
        for index, cell in enumerate(cells):
            if cell.show != "absent":
                continue
            question = asked.get((record.id, index))
            present = set(cell.value.get("present", [])) if isinstance(cell.value, dict) else set()
            away = [p for p in entitled.get(question, []) if p not in present] if question else []
            away += [p for p in reasons if p not in away]
            cells[index] = Cell("absent", [(p, reasons.get(p, "")) for p in away])
        result.append((record, on, cells))
    return result


def _form_label(column: Column, by_process: dict[str, dict[str, FieldDef]], locale: str) -> str:
    """A column without a title is headed with the procedure's own form label."""
    for name in column.fields:
        for fields in by_process.values():
            field = fields.get(name.removeprefix("item."))
            if field is not None:
                return field.label_for(locale)
    return column.fields[0]


def sorted_rows(table: LedgerTable, column: int | None, descending: bool) -> list[LedgerRow]:
    """The rows ordered by a column: numbers as numbers, dates as dates, else by text."""
    if column is None or not 0 <= column < len(table.headings):
        return list(reversed(table.rows)) if descending else list(table.rows)
    key = column_key([r.cells[column] for r in table.rows])
    return sorted(table.rows, key=lambda r: (key(r.cells[column]), r.on), reverse=descending)


def _row_date(record: Record, ledger: LedgerDef, zone: ZoneInfo) -> date:
    for name in ledger.date_fields:
        moment = parse_moment(record.data.get(name), zone)
        if moment is not None:
            return moment.date()
    return record.started_at.astimezone(zone).date()


def _items(data: dict[str, Any], ledger: LedgerDef) -> list[dict[str, Any] | None]:
    if not ledger.item_fields:
        return [None]
    for name in ledger.item_fields:
        entries = data.get(name)
        if isinstance(entries, list) and entries:
            return [e for e in entries if isinstance(e, dict)]
    return []


def _cell(
    column: Column, record: Record, item: dict[str, Any] | None, fields: dict[str, FieldDef]
) -> Cell:
    for name in column.fields:
        if name in INSTANCE_SHOWS:
            value = _instance_value(name, record)
            if value is not None:
                return Cell(column.show or INSTANCE_SHOWS[name], value)
            continue
        value, field = _read(name, column, record, item, fields)
        if value not in (None, "", [], {}):
            kind_show = SHOW_OF_KIND.get(field.kind) if field else None
            return Cell(column.show or kind_show or "text", value, field)
    return Cell("text", "")


def _read(
    name: str,
    column: Column,
    record: Record,
    item: dict[str, Any] | None,
    fields: dict[str, FieldDef],
) -> tuple[Any, FieldDef | None]:
    if name.startswith("item.") and item is not None:
        key = name.removeprefix("item.")
        return item.get(key), _column_of(fields, _item_list_names(record, item), key)
    if column.match and item is not None:
        entries = record.data.get(name)
        wanted = item.get(column.match)
        entry = next(
            (e for e in entries or () if isinstance(e, dict) and e.get(column.match) == wanted),
            None,
        )
        return (entry or {}).get(column.value), _column_of(fields, (name,), column.value)
    return record.data.get(name), fields.get(name)


def _item_list_names(record: Record, item: dict[str, Any]) -> tuple[str, ...]:
    return tuple(k for k, v in record.data.items() if isinstance(v, list) and item in v)


def _column_of(fields: dict[str, FieldDef], lists: tuple[str, ...], key: str) -> FieldDef | None:
    for name in lists:
        field = fields.get(name)
        found = next((c for c in field.columns if c.name == key), None) if field else None
        if found is not None:
            return found
    return None


def _instance_value(name: str, record: Record) -> Any:
    return {
        "$procedure": record,
        "$status": record.status,
        "$id": record.id,
        "$started": record.started_at,
        "$ended": record.ended_at,
    }[name]


def _people(cells: list[Cell]) -> set[int]:
    ids: set[int] = set()
    for cell in cells:
        if cell.show not in PEOPLE_SHOWS:
            continue
        value = cell.value
        if cell.show == "present" and isinstance(value, dict):
            value = value.get("present", [])
        if cell.show == "absentees" and isinstance(value, list):
            value = [e.get("person") for e in value if isinstance(e, dict)]
        if cell.show == "absent":
            value = [person for person, _reason in value]
        if cell.show == "items" and isinstance(value, list):
            items = [item for item in value if isinstance(item, dict)]
            value = [person for item in items for person in _item_people(item, cell)]
        values = value if isinstance(value, list) else [value]
        ids |= {v for v in values if isinstance(v, int)}
    return ids


def _item_people(item: dict[str, Any], cell: Cell) -> list[Any]:
    """The people an item names in its person columns (an owner, a talk's partner)."""
    kinds = {c.name: c.kind for c in cell.field.columns} if cell.field else {}
    found: list[Any] = []
    for key, value in item.items():
        if kinds.get(key) == "person":
            found.append(value)
        elif kinds.get(key) == "persons" and isinstance(value, list):
            found += value
    return found
