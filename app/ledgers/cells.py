"""A ledger's cell before it is shown: the value found for a column and how it is to be shown
(names are looked up for all cells at once), and the shows that name people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.formdefs.model import FieldDef

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


def parse_moment(value: Any, zone: ZoneInfo) -> datetime | None:
    """A date or date-time answer as a moment (in ``zone`` where it names its offset)."""
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(zone) if moment.tzinfo else moment
