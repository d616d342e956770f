"""Facts read from sources that other procedures provide: study hours come from a pluggable
provider named in the scheme (the ``study`` helper's function once it exists), and the year-end
deductions (study hours short, no talk record) count once the year is over."""

from __future__ import annotations

import copy
import json
from datetime import date

from sqlalchemy.orm import Session

from app.extensions import db
from app.identity.models import OrgUnit
from app.members.points import facts
from app.members.points.facts import gather
from app.members.points.facts import members_of_year
from app.members.points.queries import branch_points
from app.members.points.scheme import DEFAULT_PATH
from app.members.points.scheme import parse

TODAY = date(2026, 11, 23)


def sixteen_hours(session: Session, branch_id: int, year: int) -> dict[int, float]:
    """A stand-in provider: everyone studied 16 of the 32 hours."""
    members = members_of_year(session, session.get(OrgUnit, branch_id), year, TODAY)
    return dict.fromkeys(members, 16.0)


def _scheme_with_provider(provider: str):
    document = copy.deepcopy(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))
    for item in document["blocks"][0]["items"]:
        if item["source"]["kind"] == "study_hours":
            item["source"]["provider"] = provider
    return parse(document)


def test_a_provided_study_shortfall_and_no_talk_cost_points_once_the_year_is_over(demo):
    branch = db.session.get(OrgUnit, demo.branch.id)
    scheme = _scheme_with_provider("tests.members.test_points_facts:sixteen_hours")
    last_year = branch_points(db.session, branch, 2025, TODAY, scheme)
    assert last_year
    for points in last_year.values():
        assert points.items["study_shortfall"] == -5  # half of 32 hours short: −10 × 0.5
        assert points.items["no_talk"] == -2  # no heart-to-heart talk recorded in 2025
        assert points.months[12] <= -7
    this_year = gather(db.session, scheme, branch, 2026, TODAY)
    assert {e.item for e in this_year}.isdisjoint({"study_shortfall", "no_talk"})  # not over yet


def test_without_the_provider_the_study_item_counts_nothing(demo):
    branch = db.session.get(OrgUnit, demo.branch.id)
    scheme = _scheme_with_provider("app.members.not_there_yet:study_hours_by_person")
    events = gather(db.session, scheme, branch, 2025, TODAY)
    assert not [e for e in events if e.item == "study_shortfall"]


def test_six_months_in_a_row_without_organisational_life_zero_the_year():
    """Member 1 misses every monthly meeting from March to August (six in a row); member 2 misses
    the same months but sent a reason in May (excused: not a gap of six); member 3 attends."""
    scheme = parse(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))
    context = facts._Context(None, scheme, None, [], 2026, TODAY)
    meetings = []
    for month in range(1, 12):
        away = {1, 2} if 3 <= month <= 8 else set()
        meetings.append(
            facts._Meeting(
                month,
                date(2026, month, 10),
                frozenset({1, 2, 3}),
                frozenset({1, 2, 3} - away),
                frozenset({2} if month == 5 else set()),
            )
        )
    context.meetings = meetings
    gap = next(z for z in scheme.zeroing if z.source["kind"] == "attendance_gap")
    events = facts._attendance_gaps(context, gap)
    assert [(e.person, e.item, e.on) for e in events] == [(1, "no_org_life", date(2026, 8, 31))]
