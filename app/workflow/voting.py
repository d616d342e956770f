"""Who counts as entitled to vote (应到会有表决权的党员) at a branch assembly: the full members on
the rolls that day (``roster``), less those the records show excused with the upper committee's
approval.

The rule (domain.md §4, "应到会 exclusions", source ``DISPOSE-QUORUM``, [S]): with the upper
party organisation's approval, members who cannot attend for a recognised reason — loss of
capacity, abroad at their own expense for more than half a year, serving a sentence, bedridden,
away for more than half a year with their relation not transferred — are left out of those who
should attend (因故不能参加且经上级党组织同意的, 不计算在应到会人数内). The quorum (more than half
of those entitled present) and the pass mark (votes for from more than half of those entitled,
《中国共产党支部工作条例（试行）》第十一条) are then counted over the smaller number.

How a form uses it: a ``persons`` field under ``x-people: full_members`` lists the excused members
(with the approval recorded beside it), and the vote tally or attendance names that field with
``x-excusedFrom``; the server (``form_resolve``) counts the entitled itself, whatever was typed.
The admission of a probationary member uses it; an election's vote (the same 应到会 over the
same roll) names its own excused field the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def excused_ids(value: Any) -> set[int]:
    """The person ids an excused-members answer holds (anything else is not a person)."""
    if not isinstance(value, list):
        return set()
    return {v for v in value if isinstance(v, int) and not isinstance(v, bool)}


def entitled_to_vote(on_the_roll: Iterable[int], excused: Iterable[int]) -> set[int]:
    """Those entitled to vote: the roll of the day without the members excused with approval.
    Someone excused who is not on that roll changes nothing (the field's own check refuses)."""
    return set(on_the_roll) - set(excused)


def quorum_met(present: int, entitled: int) -> bool:
    """More than half of those entitled are present (the assembly may vote)."""
    return present * 2 > entitled


def passes(votes_for: int, entitled: int) -> bool:
    """Votes for from more than half of those entitled, not of those present."""
    return votes_for * 2 > entitled
