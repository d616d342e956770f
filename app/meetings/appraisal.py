"""The democratic appraisal of members (民主评议党员): counting the anonymous poll and checking
the committee's grades against the rules (《中国共产党党员教育管理工作条例》第十八条;
共产党员网 民主评议专题: 优秀、合格、基本合格、不合格, 优秀一般不超过党员总数的1/3).

Pure functions on the instance's answers; the actions (``app.meetings.actions``) refuse with the
message next to the field, so a wrong tally or grade list changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.core.errors import ValidationFailed

#: Best first: a tie in the poll goes to the lower grade (the stricter reading).
GRADES = ("excellent", "qualified", "basically_qualified", "unqualified")


def count_poll(scope: list[int], ballots_cast: int, tallies: list[dict[str, Any]]) -> list[dict]:
    """Each appraised member's votes and the grade the poll gives (most votes; a tie: lower).

    Refuses a tally for someone outside the appraisal, a member counted twice or not at all, and
    more votes for one member than ballots cast."""
    seen: dict[int, dict[str, Any]] = {}
    for row in tallies:
        person = row.get("person")
        if person not in scope or person in seen:
            raise ValidationFailed(
                _("Count each appraised member once."),
                {"tallies": _("Count each appraised member once.")},
            )
        if sum(int(row.get(g) or 0) for g in GRADES) > ballots_cast:
            raise ValidationFailed(
                _("More votes than ballots cast."), {"tallies": _("More votes than ballots cast.")}
            )
        seen[person] = row
    if set(seen) != set(scope):
        raise ValidationFailed(
            _("Count each appraised member once."),
            {"tallies": _("Count each appraised member once.")},
        )
    results = []
    for person in scope:
        votes = {g: int(seen[person].get(g) or 0) for g in GRADES}
        most = max(votes.values())
        grade = [g for g in GRADES if votes[g] == most][-1]
        results.append({"person": person, "poll_grade": grade, **votes})
    return results


def excellent_cap(members: int) -> int:
    """At most a third of the members appraised may be graded excellent."""
    return members // 3


def check_grades(scope: list[int], grades: list[dict[str, Any]]) -> dict[str, Any]:
    """The committee's grades: each appraised member once, excellent within the cap."""
    people = [g.get("person") for g in grades]
    if sorted(p for p in people if isinstance(p, int)) != sorted(scope) or len(people) != len(
        scope
    ):
        message = _("Grade each appraised member once.")
        raise ValidationFailed(message, {"grades": message})
    excellent = sum(1 for g in grades if g.get("grade") == "excellent")
    cap = excellent_cap(len(scope))
    if excellent > cap:
        message = _(
            "At most a third of the members may be excellent: %(cap)d of %(n)d.",
            cap=cap,
            n=len(scope),
        )
        raise ValidationFailed(message, {"grades": message})
    return {
        "excellent_count": excellent,
        "excellent_cap": cap,
        "unqualified": [g["person"] for g in grades if g.get("grade") == "unqualified"],
    }
