"""How a ledger cell is shown to its reader: people and groups by name, options by their label,
times in Beijing time, attendance and tallies as short sentences (Chinese or English)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from app.formdefs.model import is_english
from app.ledgers.cells import SHOW_OF_KIND
from app.ledgers.cells import Cell
from app.ledgers.cells import parse_moment
from app.ledgers.sources import Record
from app.workflow.labels import INSTANCE_STATUS


class Shown:
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
        moment = parse_moment(value, self.zone)
        return moment.strftime("%Y-%m-%d") if moment else str(value)[:10]

    def _datetime(self, value: Any, cell: Cell) -> str:
        moment = parse_moment(value, self.zone)
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
