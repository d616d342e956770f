"""Points accrued from facts, by the scheme: a pure function, no database.

A fact (``Event``) says that something the scheme counts happened to a member on a day: attended a
meeting, was absent without excuse, gave a lecture, had a claim confirmed, paid dues two months
late (``count`` 2), fell 25% short of the study hours (``count`` 0.25), was appraised "qualified"
(``points`` 7). The query layer (``facts.py``) turns the records into events; this module applies
the scheme's rules in date order, so a cap or a block maximum reached in May leaves June's
attendance at nothing, and each month shows what it added.

* basic starts at its ``start`` (60); its deductions take it down to 0 at the lowest;
* every other block adds up to its ``max``; an item adds up to its ``cap`` (a ``year_max``
  deduction at most its points);
* an event naming one of the scheme's ``zeroing`` conditions voids the year: the total is 0 (the
  blocks stay visible, the points page says why).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from app.members.points.scheme import Scheme

MONTHS = range(1, 13)


@dataclass(frozen=True)
class Event:
    person: int
    item: str
    on: date
    count: float = 1.0
    #: The points of this one event when the record fixes them (an appraisal grade).
    points: float | None = None
    #: Where it came from, for the page: the instance it was read from.
    instance_id: int | None = None


@dataclass
class MemberPoints:
    person: int
    #: Month (1–12) → what the month added (negative when deductions outweighed the rest).
    months: dict[int, float] = field(default_factory=lambda: dict.fromkeys(MONTHS, 0.0))
    blocks: dict[str, float] = field(default_factory=dict)
    items: dict[str, float] = field(default_factory=dict)
    #: The zeroing condition that voided the year (the scheme's ``zeroing`` id), if any.
    zeroed: str | None = None

    @property
    def earned(self) -> float:
        """The blocks' sum, before any zeroing."""
        return round(sum(self.blocks.values()), 2)

    @property
    def total(self) -> float:
        return 0.0 if self.zeroed else self.earned

    def quarter(self, q: int) -> float:
        return round(sum(self.months[m] for m in range(3 * q - 2, 3 * q + 1)), 2)

    def after_month(self, month: int) -> float:
        """The points standing at the end of ``month`` (basic's start counted from January)."""
        start = self.earned - sum(self.months.values())
        return round(start + sum(self.months[m] for m in range(1, month + 1)), 2)


def accrue(
    scheme: Scheme, people: Iterable[int], events: Iterable[Event], year: int
) -> dict[int, MemberPoints]:
    """Each person's points of ``year``: every listed person gets a row (60 with no events)."""
    by_person: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.on.year == year:
            by_person[event.person].append(event)
    return {p: _accrue_one(scheme, p, by_person.get(p, [])) for p in people}


def _accrue_one(scheme: Scheme, person: int, events: list[Event]) -> MemberPoints:
    result = MemberPoints(person)
    items = {i.id: i for i in scheme.items}
    blocks = {b.id: b for b in scheme.blocks}
    block_sum = {b.id: 0.0 for b in scheme.blocks}
    item_sum: dict[str, float] = defaultdict(float)
    zeroings = {z.id for z in scheme.zeroing}
    for event in sorted(events, key=lambda e: (e.on, e.item)):
        if event.item in zeroings:
            result.zeroed = result.zeroed or event.item
            continue
        item = items.get(event.item)
        if item is None:
            continue
        wanted = event.points if event.points is not None else item.points * event.count
        wanted = _within_item(item, item_sum[item.id], wanted)
        given = _within_block(blocks[item.block], block_sum[item.block], wanted)
        if not given:
            continue
        item_sum[item.id] += given
        block_sum[item.block] += given
        result.months[event.on.month] = round(result.months[event.on.month] + given, 2)
    result.blocks = {b.id: round(b.start + block_sum[b.id], 2) for b in scheme.blocks}
    result.items = {i: round(v, 2) for i, v in item_sum.items()}
    return result


def _within_item(item, so_far: float, wanted: float) -> float:
    limit = (
        item.cap if item.cap is not None else (abs(item.points) if item.per == "year_max" else None)
    )
    if limit is None:
        return wanted
    if wanted >= 0:
        return max(0.0, min(wanted, limit - so_far))
    return -max(0.0, min(-wanted, limit + so_far))


def _within_block(block, so_far: float, wanted: float) -> float:
    if wanted >= 0:  # additions up to the block's maximum (basic never rises above its start)
        room = block.max - block.start - so_far
        return max(0.0, min(wanted, room))
    return -max(0.0, min(-wanted, block.start + so_far))  # deductions down to 0
