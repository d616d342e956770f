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
from sqlalchemy.orm import Session

from app.core import clock
from app.formdefs.model import FieldDef
from app.formdefs.model import is_english
from app.identity.models import OrgUnit
from app.ledgers.definitions import Column
from app.ledgers.definitions import LedgerDef
from app.ledgers.sources import RUNNING
from app.ledgers.sources import Record
from app.ledgers.sources import form_fields
from app.ledgers.sources import org_names
from app.ledgers.sources import person_names
from app.ledgers.sources import records_of
from app.workflow.labels import INSTANCE_STATUS
from app.workflow.roster import entitled_people
from app.workflow.roster import question_for

#: Form field kinds → how a column shows them, where the column does not say.
SHOW_OF_KIND = {
    "person": "person",
    "persons": "persons",
    "org": "org",
    "attendance": "attendance",
    "signature": "signature",
    "vote_tally": "tally",
    "date": "date",
    "datetime": "datetime",
    "bool": "bool",
    "items": "items",
}
#: The instance's own fields (``$…``) and how they show.
INSTANCE_SHOWS = {
    "$procedure": "procedure",
    "$status": "status",
    "$id": "text",
    "$started": "datetime",
    "$ended": "datetime",
}
PEOPLE_SHOWS = frozenset({"person", "persons", "present", "absentees", "absent", "items"})


@dataclass(frozen=True)
class Cell:
    """A value found for a column, and how to show it (names are looked up for all at once)."""

    show: str
    value: Any
    field: FieldDef | None = None


@dataclass(frozen=True)
class LedgerRow:
    instance_id: int
    on: date
    running: bool
    cells: tuple[str, ...]
    link: str | None = None  # a computed row's page (else the row opens its instance)


@dataclass(frozen=True)
class LedgerTable:
    ledger: LedgerDef
    org: OrgUnit
    year: int
    headings: tuple[str, ...]
    rows: tuple[LedgerRow, ...]


def ledger_table(
    session: Session, ledger: LedgerDef, org: OrgUnit, year: int, zone: ZoneInfo, locale: str
) -> LedgerTable:
    if ledger.computed:  # rows a domain computes (the member points): app/ledgers/computed.py
        from app.ledgers.computed import computed_table  # noqa: PLC0415 - it builds on this one

        return computed_table(session, ledger, org, year, locale)
    between = (datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone))
    records = records_of(session, org.id, ledger.process_keys, between, ledger.include_running)
    by_process = form_fields(session, ledger.process_keys)
    found: list[tuple[Record, date, list[Cell]]] = []
    for record in records:
        on = _row_date(record, ledger, zone)
        if on.year != year:
            continue
        fields = by_process[record.process_key]
        for item in _items(record.data, ledger):
            found.append((record, on, [_cell(c, record, item, fields) for c in ledger.columns]))
    found = _with_absent(session, org, found)
    names = person_names(session, {i for _r, _o, cells in found for i in _people(cells)})
    orgs = org_names(session, {c.value for *_x, cells in found for c in cells if c.show == "org"})
    shown = _Shown(names, orgs, zone, locale)
    rows = [
        LedgerRow(record.id, on, record.status in RUNNING, tuple(shown(c) for c in cells))
        for record, on, cells in found
    ]
    rows.sort(key=lambda r: (r.on, r.instance_id))
    headings = tuple(
        c.title_for(locale) or _form_label(c, by_process, locale) for c in ledger.columns
    )
    return LedgerTable(ledger, org, year, headings, tuple(rows))


def _with_absent(
    session: Session, org: OrgUnit, found: list[tuple[Record, date, list[Cell]]]
) -> list[tuple[Record, date, list[Cell]]]:
    """Cells shown as ``absent`` get who was entitled to attend and was not there, by the form's
    rule on the meeting's day (all meetings' rolls read at once), with the reason where the
    meeting recorded one (``absentees``)."""
    now = clock.now()
    asked = {
        (record.id, index): question_for(cell.field, org, record.data, now)
        for record, _on, cells in found
        for index, cell in enumerate(cells)
        if cell.show == "absent" and cell.field is not None and cell.field.people
    }
    entitled = entitled_people(session, org, {q for q in asked.values() if q is not None})
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
    """The rows ordered by a column's text (dates are written year first, so they sort too)."""
    if column is None or not 0 <= column < len(table.headings):
        return list(reversed(table.rows)) if descending else list(table.rows)
    return sorted(table.rows, key=lambda r: (r.cells[column], r.on), reverse=descending)


def _row_date(record: Record, ledger: LedgerDef, zone: ZoneInfo) -> date:
    for name in ledger.date_fields:
        moment = _parse(record.data.get(name), zone)
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


def _parse(value: Any, zone: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(zone) if moment.tzinfo else moment


class _Shown:
    """Turns a cell into the text a reader sees."""

    def __init__(self, names: dict[int, str], orgs: dict[int, str], zone: ZoneInfo, locale: str):
        self.names, self.orgs, self.zone, self.locale = names, orgs, zone, locale

    def __call__(self, cell: Cell) -> str:
        value = cell.value
        if value in (None, "", [], {}):
            return ""
        show = getattr(self, f"_{cell.show}")
        try:
            return show(value, cell)
        except (AttributeError, KeyError, TypeError, ValueError):  # data of an older form
            return str(value)

    def _procedure(self, value: Record, cell: Cell) -> str:
        return value.procedure_en if is_english(self.locale) else value.procedure

    def _status(self, value: Any, cell: Cell) -> str:
        return str(INSTANCE_STATUS.get(value, value))

    def _name(self, value: Any) -> str:
        return self.names.get(value, str(value)) if isinstance(value, int) else str(value)

    def _text(self, value: Any, cell: Cell) -> str:
        options = dict(cell.field.in_language(self.locale).options) if cell.field else {}
        if isinstance(value, list):
            return _(", ").join(str(options.get(v, v)) for v in value)
        if isinstance(value, bool):
            return self._bool(value, cell)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {v}" for k, v in value.items())
        return str(options.get(value, value))

    def _items(self, value: Any, cell: Cell) -> str:
        """An item list, one line per item: its answers in the form's column order, each shown
        as its column's kind shows it (people by name, options by label, dates as dates)."""
        columns = cell.field.columns if cell.field else ()
        lines = []
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                lines.append(str(item))
                continue
            parts = [
                self(Cell(SHOW_OF_KIND.get(column.kind, "text"), item.get(column.name), column))
                for column in columns
            ] or [str(item.get("item", ""))]  # a column that says "items" without a form's
            lines.append(_("; ").join(part for part in parts if part))
        if len(lines) == 1:
            return lines[0]
        return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))

    def _date(self, value: Any, cell: Cell) -> str:
        moment = _parse(value, self.zone)
        return moment.strftime("%Y-%m-%d") if moment else str(value)[:10]

    def _datetime(self, value: Any, cell: Cell) -> str:
        moment = _parse(value, self.zone)
        return moment.strftime("%Y-%m-%d %H:%M") if moment else str(value)

    def _person(self, value: Any, cell: Cell) -> str:
        return self._name(value)

    def _persons(self, value: Any, cell: Cell) -> str:
        values = value if isinstance(value, list) else [value]
        return _(", ").join(self._name(v) for v in values)

    def _present(self, value: Any, cell: Cell) -> str:
        return self._persons(value.get("present", []) if isinstance(value, dict) else value, cell)

    def _org(self, value: Any, cell: Cell) -> str:
        return self.orgs.get(value, str(value)) if isinstance(value, int) else str(value)

    def _attendance(self, value: Any, cell: Cell) -> str:
        present = len(value.get("present", []))
        return _(
            "%(entitled)s entitled, %(present)s present",
            entitled=value["entitled"],
            present=present,
        )

    def _absentees(self, value: Any, cell: Cell) -> str:
        return _(", ").join(
            _("%(name)s (%(reason)s)", name=self._name(e.get("person")), reason=e.get("reason", ""))
            for e in value
        )

    def _absent(self, value: Any, cell: Cell) -> str:
        return _(", ").join(
            _("%(name)s (%(reason)s)", name=self._name(p), reason=reason)
            if reason
            else self._name(p)
            for p, reason in value
        )

    def _signature(self, value: Any, cell: Cell) -> str:
        if not isinstance(value, dict):
            return self._bool(value, cell)
        return f"{value.get('name', '')} {self._date(value.get('signed_at'), cell)}".strip()

    def _tally(self, value: Any, cell: Cell) -> str:
        return _(
            "%(for)s for, %(against)s against, %(abstain)s abstaining",
            **{k: value.get(k, 0) for k in ("for", "against", "abstain")},
        )

    def _bool(self, value: Any, cell: Cell) -> str:
        return _("Yes") if value else _("No")
