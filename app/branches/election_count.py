"""The ballot count of a committee election or by-election (《中国共产党基层组织选举工作条例》,
ELECT-PRACTICE): the election is valid only with more than four fifths of the members entitled to
vote present, and a candidate is elected with votes from more than half of those entitled — the
full members on the branch's rolls on the assembly's day, counted from the records, never typed.
With more winners than seats the most votes win; a tie for the last seat needs a further ballot.

A count that cannot stand is refused with the message beside the ballots (ValidationFailed): the
assembly's step stays open and nothing is recorded."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.identity.kinds import PartyStatus
from app.identity.queries.members import roster_on
from app.workflow.actions import ActionCall

FIELD = "ballots"


def entitled_electors(call: ActionCall, day: date) -> set[int]:
    """The full members on the branch's rolls on ``day``: those with a vote (第五条)."""
    roster = roster_on(call.ctx.session, call.row.org_unit_id, day)
    return {person.id for person, status in roster if status is PartyStatus.FULL}


def required_candidates(seats: int) -> int:
    """差额不少于20%: at least ``ceil(seats × 1.2)`` candidates (more than the seats)."""
    return math.ceil(seats * 6 / 5)


def check_candidate_list(call: ActionCall) -> None:
    """Refuse a candidate list with too small a margin over the seats."""
    candidates, seats = call.params["candidates"], call.params["seats"]
    needed = required_candidates(seats)
    if len(set(candidates)) < needed:
        raise ValidationFailed(
            _("The candidate list is too short."),
            {
                call.params["field"]: _(
                    "A competitive election needs at least %(needed)d candidates for %(seats)d "
                    "seats (at least 20%% more); %(given)d were named.",
                    needed=needed,
                    seats=seats,
                    given=len(set(candidates)),
                )
            },
        )


def count_election_ballots(call: ActionCall) -> dict[str, Any]:
    """The count's result: who is entitled and present, each candidate's votes, who is elected and
    whether enough seats are filled to go on (``enough``)."""
    p = call.params
    day = date.fromisoformat(p["held_on"])
    entitled = entitled_electors(call, day)
    present = set(p["present"]) & entitled
    votes = dict(zip(p["ballot_candidates"], p["ballot_votes"], strict=True))
    _check_count(p, entitled, present, votes)
    winners = sorted(
        (c for c, v in votes.items() if v * 2 > len(entitled)), key=lambda c: -votes[c]
    )
    seats = p["seats"]
    if len(winners) > seats and votes[winners[seats - 1]] == votes[winners[seats]]:
        _refuse(_("Two candidates tie for the last seat: hold a further ballot between them."))
    elected = winners[:seats]
    enough = len(elected) == seats or (len(elected) >= 3 and len(elected) * 3 >= seats * 2)
    return {
        "eligible": len(entitled),
        "present": len(present),
        "quorum_met": True,
        "results": [
            {"candidate": c, "votes": votes[c], "elected": c in elected}
            for c in sorted(votes, key=lambda c: -votes[c])
        ],
        "elected": elected,
        "enough": enough,
    }


def _check_count(
    p: dict[str, Any], entitled: set[int], present: set[int], votes: dict[int, int]
) -> None:
    if len(present) * 5 <= len(entitled) * 4:
        _refuse(
            _(
                "The election is not valid: %(present)d of the %(entitled)d members entitled to "
                "vote are present, and more than four fifths must be.",
                present=len(present),
                entitled=len(entitled),
            )
        )
    if len(votes) != len(p["ballot_candidates"]) or set(votes) != set(p["candidates"]):
        _refuse(_("Give one row for each approved candidate, and no one else."))
    if any(v > len(present) for v in votes.values()):
        _refuse(_("A candidate cannot have more votes than the electors present."))
    if sum(votes.values()) > len(present) * p["seats"]:
        _refuse(_("More votes than the ballots cast allow (one vote per seat on each ballot)."))


def _refuse(message: str) -> None:
    raise ValidationFailed(_("The ballot count was refused."), {FIELD: message})
