"""Turning what a browser posts into a form's JSON data, field kind by field kind.

Input names: a field's own name for one value (or a list, for several); ``name.part`` for the
parts of attendance and vote tallies; ``name.<row>.<column>`` for item lists. Text that does not
read as its kind (``abc`` in a number) is reported, not guessed at; everything else is left to the
server-side checks (``resolve`` and the JSON Schema).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from werkzeug.datastructures import MultiDict

from app.core import clock
from app.formdefs.model import FieldDef
from app.formdefs.model import FormDef

MAX_ITEM_ROWS = 100
TALLY_PARTS = ("eligible", "present", "for", "against", "abstain", "invalid")


class FormInput(dict[str, list[str]]):
    """What the user typed, by input name (several values each), to show the form again."""

    @classmethod
    def of(cls, raw: MultiDict | dict[str, Any] | None) -> FormInput:
        if raw is None:
            return cls()
        if isinstance(raw, MultiDict):
            return cls({k: raw.getlist(k) for k in raw if k != "csrf_token"})
        return cls(
            {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in raw.items()}
        )

    def one(self, name: str) -> str:
        values = self.get(name) or [""]
        return values[0]

    def many(self, name: str) -> list[str]:
        return list(self.get(name) or [])

    def rows(self, name: str) -> int:
        """How many item rows were posted for ``name`` (the highest row index plus one)."""
        pattern = re.compile(rf"^{re.escape(name)}\.(\d+)\.")
        found = [int(m.group(1)) for k in self if (m := pattern.match(k))]
        return min(max(found, default=-1) + 1, MAX_ITEM_ROWS)


def prefilled(form: FormDef, earlier: dict[str, Any]) -> FormInput:
    """Inputs filled from earlier answers of the instance, for fields that name one (x-prefill)."""
    values = FormInput()
    for f in form.fields:
        attendance = earlier.get(f.attendance_from) if f.attendance_from else None
        if isinstance(attendance, dict) and isinstance(attendance.get("present"), list):
            # shown as the server will count them: from the meeting's attendance
            values[f"{f.name}.eligible"] = [str(attendance.get("entitled", ""))]
            values[f"{f.name}.present"] = [str(len(attendance["present"]))]
        source = earlier.get(f.prefill) if f.prefill else None
        if source is None:
            continue
        if f.kind == "items" and isinstance(source, list):
            for row, item in enumerate(source[:MAX_ITEM_ROWS]):
                for column in f.columns:
                    value = item.get(column.name) if isinstance(item, dict) else None
                    if value is not None:
                        values[f"{f.name}.{row}.{column.name}"] = [_shown(column, value)]
        elif isinstance(source, list):
            values[f.name] = [str(v) for v in source]
        elif not isinstance(source, dict):
            values[f.name] = [_shown(f, source)]
    return values


def _shown(f: FieldDef, value: Any) -> str:
    """An earlier answer as its input shows it: money with its two decimals (4200.00, not the
    4200.0 a float prints), a yes/no as the form posts it."""
    if isinstance(value, bool):
        return str(value).lower()
    if f.kind == "money" and isinstance(value, int | float | Decimal):
        return f"{Decimal(str(value)):.2f}"
    return str(value)


class Unreadable(ValueError):
    pass


def parse_submission(
    form: FormDef, posted: FormInput, uploaded: dict[str, list[int]] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """JSON data from posted inputs, and the inputs that do not read as their kind.

    ``uploaded``: ids of files just stored for upload fields, added to those the form kept.
    """
    data: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    for f in form.fields:
        try:
            value = _READERS.get(f.kind, _scalar)(f, posted, f.name)
        except Unreadable as problem:
            unreadable[str(problem) or f.name] = "number" if f.kind in _NUMERIC else "format"
            continue
        if f.kind in ("file", "files", "photos"):
            value = (value or []) + (uploaded or {}).get(f.name, [])
            value = (value[-1] if value else None) if f.kind == "file" else value
            if f.kind == "file" and value is None:
                continue
        if value is not None:
            data[f.name] = value
    return data, unreadable


_NUMERIC = frozenset({"int", "decimal", "money"})


def read_scalar(kind: str, raw: str, options: tuple[tuple[Any, str], ...] = ()) -> Any:
    if kind in ("int", "person", "org", "process_ref"):
        if not re.fullmatch(r"-?\d{1,15}", raw):
            raise Unreadable()
        return int(raw)
    if kind in ("decimal", "money"):
        try:
            value = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            raise Unreadable() from None
        if not value.is_finite() or (kind == "money" and value != value.quantize(Decimal("0.01"))):
            raise Unreadable()
        return float(value)
    if kind == "datetime":
        return _local_datetime(raw)
    for option, _label in options:  # enums of numbers: give back the number, not its text
        if str(option) == raw:
            return option
    return raw


def _local_datetime(raw: str) -> str:
    """A browser's ``2026-11-24T09:30`` as a full timestamp in the site's time zone."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Unreadable() from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.local_zone())
    return moment.isoformat(timespec="seconds")


def _scalar(f: FieldDef, posted: FormInput, name: str) -> Any:
    raw = posted.one(name).strip() if f.kind != "text" else posted.one(name)
    if raw.strip() == "":
        return None  # absent: "required" speaks if it must be there
    try:
        return read_scalar(f.kind, raw, f.options)
    except Unreadable:
        raise Unreadable(name) from None


def _bool(f: FieldDef, posted: FormInput, name: str) -> Any:
    return posted.one(name) in ("on", "true", "1")


def _many(f: FieldDef, posted: FormInput, name: str) -> Any:
    kind = "enum" if f.kind == "multi_enum" else "int"  # people, attendees and files: by id
    try:
        return [read_scalar(kind, v.strip(), f.options) for v in posted.many(name) if v.strip()]
    except Unreadable:
        raise Unreadable(name) from None


def _signature(f: FieldDef, posted: FormInput, name: str) -> Any:
    return True if posted.one(name) in ("on", "true", "1") else None


def _number_part(posted: FormInput, name: str) -> int | None:
    raw = posted.one(name).strip()
    if raw == "":
        return None
    try:
        return read_scalar("int", raw)
    except Unreadable:
        raise Unreadable(name) from None


def _attendance(f: FieldDef, posted: FormInput, name: str) -> Any:
    entitled = _number_part(posted, f"{name}.entitled")
    present = _many(f, posted, f"{name}.present")
    if entitled is None and not present:
        return None
    return {"entitled": entitled, "present": present}


def _vote_tally(f: FieldDef, posted: FormInput, name: str) -> Any:
    counts = {part: _number_part(posted, f"{name}.{part}") for part in TALLY_PARTS}
    if all(v is None for v in counts.values()):
        return None
    counts["invalid"] = counts["invalid"] or 0
    return counts


def _items(f: FieldDef, posted: FormInput, name: str) -> Any:
    items = []
    for row in range(posted.rows(name)):
        item = {}
        for column in f.columns:
            value = _scalar(column, posted, f"{name}.{row}.{column.name}")
            if value is not None:
                item[column.name] = value
        if item:  # a row left blank is no item
            items.append(item)
    return items


_READERS: dict[str, Callable[[FieldDef, FormInput, str], Any]] = {
    "bool": _bool,
    "multi_enum": _many,
    "persons": _many,
    "file": _many,
    "files": _many,
    "photos": _many,
    "signature": _signature,
    "attendance": _attendance,
    "vote_tally": _vote_tally,
    "items": _items,
}
