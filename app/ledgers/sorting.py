"""How a ledger column sorts: a column of numbers by their value ("9" before "10"), a column of
dates by the day, any other column by its text. Empty cells come first going up, whatever the
column holds, so that the rows still to be filled in stand together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation

SortKey = tuple[int, object]


def number(text: str) -> Decimal | None:
    """The cell as a number ("12", "-3", "4.5", "1,200"), else None."""
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def day(text: str) -> datetime | None:
    """The cell as a date or date-time ("2026-3-5", "2026-03-05 14:30"), else None."""
    parts = text.strip().split(" ", 1)
    try:
        year, month, dom = (int(p) for p in parts[0].split("-"))
        moment = datetime.combine(date(year, month, dom), datetime.min.time())
        if len(parts) == 2:
            hour, minute = (int(p) for p in parts[1].split(":")[:2])
            moment = moment.replace(hour=hour, minute=minute)
    except ValueError:
        return None
    return moment


def column_key(cells: list[str]) -> Callable[[str], SortKey]:
    """The sort key for a column holding ``cells``: by number if every filled cell is one, by
    date if every filled cell is one, else by text."""
    filled = [c for c in cells if c.strip()]
    for parse in (number, day):
        if filled and all(parse(c) is not None for c in filled):
            return lambda text, parse=parse: (1, parse(text)) if text.strip() else (0, 0)
    return lambda text: (1, text) if text.strip() else (0, "")
