"""The points scheme and its accrual, by hand: the shipped scheme is a usable proposal, a broken
document is refused with the place named, and a member's year worked out on paper is what the
accrual computes."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from app.members.points.accrual import Event
from app.members.points.accrual import accrue
from app.members.points.facts import study_hours_provider
from app.members.points.scheme import DEFAULT_PATH
from app.members.points.scheme import SchemeInvalid
from app.members.points.scheme import default_scheme
from app.members.points.scheme import parse
from tests.conftest import ROOT

ME = 7


def _document() -> dict:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_shipped_scheme_is_a_proposal_with_every_item_sourced_as_data():
    scheme = default_scheme()
    assert scheme.proposal
    assert [b.id for b in scheme.blocks] == ["basic", "performance", "incentive"]
    assert [(b.start, b.max) for b in scheme.blocks] == [(60, 60), (0, 30), (0, 10)]
    assert {i.kind for i in scheme.items} >= {"attendance", "lecture", "claim", "pairing_progress"}
    assert scheme.item("attendance").cap == 12
    assert scheme.item("pairing_progress").cap == 4


def test_the_claim_form_offers_exactly_the_schemes_claimable_items():
    form = json.loads((ROOT / "forms" / "pm_claim.json").read_text(encoding="utf-8"))
    offered = form["schema"]["properties"]["item"]["enum"]
    assert sorted(offered) == sorted(i.id for i in default_scheme().claimable)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["blocks"][0]["items"][0].update(points=2), "blocks[0].items[0].points"),
        (lambda d: d["blocks"][1]["items"][0].update(cap=99), "blocks[1].items[0].cap"),
        (
            lambda d: d["blocks"][2]["items"][1]["source"].update(kind="guess"),
            "blocks[2].items[1].source.kind",
        ),
        (lambda d: d["blocks"].pop(), "blocks"),
        (lambda d: d.update(status="final"), "status"),
    ],
)
def test_a_broken_scheme_is_refused_naming_the_place(change, problem):
    document = copy.deepcopy(_document())
    change(document)
    with pytest.raises(SchemeInvalid) as refused:
        parse(document)
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems


def _on(month: int, day: int = 10) -> date:
    return date(2026, month, day)


def test_a_members_year_worked_by_hand_equals_the_accrual():
    """A member's 2026, worked by hand with the shipped scheme:

    Performance (max 30):
      attendance: one meeting a month Jan–Dec plus a second in March and June (14); +1 each, cap
        12, reached in October: Jan 1, Feb 1, Mar 2, Apr 1, May 1, Jun 2, Jul–Oct 1 each = 12;
      a lecture given in June: +2;
      volunteering claims: 2 in April, 6 in July; +1 each, cap 6: Apr +2, Jul +4;
      pairing progress records in Mar, Jun, Sep: +2 each, cap 4: Mar +2, Jun +2, Sep 0;
      an urgent task in August +3; a model post in September +2;
      by 10 Oct the block holds 12 + 2 + 6 + 4 + 3 + 2 = 29, so the second urgent task on
      20 Oct adds only 1 (block max 30).
    Basic (60 less deductions):
      an unexcused absence in May −2; March's dues paid in June: 3 months after, 2 beyond the
      first −4 (June); 24 of 32 study hours: 25% short of −10 = −2.5 (31 Dec); no talk −2
      (31 Dec): 60 − 10.5 = 49.5.
    Incentive (max 10): an honour in November +5; appraised "qualified" in December, 7 wanted,
      5 left: +5.

    Months: Jan 1, Feb 1, Mar 4, Apr 3, May −1, Jun 2, Jul 5, Aug 4, Sep 3, Oct 2, Nov 5,
    Dec 5 − 4.5 = 0.5. Year: 49.5 + 30 + 10 = 89.5 = 60 + the months' 29.5.
    """
    attended = [_on(m) for m in range(1, 13)] + [_on(3, 20), _on(6, 20)]
    events = [Event(ME, "attendance", d) for d in attended]
    events += [
        Event(ME, "unexcused_absence", _on(5, 15)),
        Event(ME, "lecture", _on(6, 12)),
        *[Event(ME, "volunteering", _on(4, 2 + i)) for i in range(2)],
        *[Event(ME, "volunteering", _on(7, 2 + i)) for i in range(6)],
        *[Event(ME, "pairing_progress", _on(m, 28)) for m in (3, 6, 9)],
        Event(ME, "hard_task", _on(8, 15)),
        Event(ME, "model_post", _on(9, 15)),
        Event(ME, "hard_task", _on(10, 20)),
        Event(ME, "dues_late", _on(6, 5), count=2),
        Event(ME, "study_shortfall", date(2026, 12, 31), count=(32 - 24) / 32),
        Event(ME, "no_talk", date(2026, 12, 31)),
        Event(ME, "honour", _on(11, 8)),
        Event(ME, "appraisal", _on(12, 20), points=7),
        Event(ME, "attendance", date(2025, 12, 30)),  # last year's: not counted
    ]
    points = accrue(default_scheme(), [ME, 8], events, 2026)
    mine = points[ME]
    assert mine.blocks == {"basic": 49.5, "performance": 30, "incentive": 10}
    assert mine.total == 89.5
    assert [mine.months[m] for m in range(1, 13)] == [1, 1, 4, 3, -1, 2, 5, 4, 3, 2, 5, 0.5]
    assert mine.items["attendance"] == 12
    assert mine.items["volunteering"] == 6
    assert mine.items["pairing_progress"] == 4
    assert mine.items["hard_task"] == 4
    assert mine.quarter(1) == 6
    assert mine.after_month(3) == 66
    assert points[8].total == 60  # a member with nothing recorded keeps the basic 60


def test_basic_points_never_fall_below_zero():
    events = [Event(ME, "unexcused_absence", _on(1 + i % 12, 1 + i // 12)) for i in range(40)]
    assert accrue(default_scheme(), [ME], events, 2026)[ME].blocks["basic"] == 0


def test_the_study_hours_source_is_pluggable():
    assert study_hours_provider("app.members.no_such_module:study_hours_by_person") is None
    assert study_hours_provider("app.members.points.scheme:no_such_function") is None
    assert study_hours_provider("app.members.points.scheme:default_scheme") is default_scheme


def test_a_zeroing_condition_voids_the_year_but_keeps_the_blocks_readable():
    events = [Event(ME, "attendance", _on(m)) for m in range(1, 6)]
    events.append(Event(ME, "no_org_life", date(2026, 11, 30)))
    mine = accrue(default_scheme(), [ME], events, 2026)[ME]
    assert mine.zeroed == "no_org_life"
    assert mine.total == 0
    assert mine.earned == 65
    assert [z.id for z in default_scheme().zeroing] == ["discipline", "criminal", "no_org_life"]


def test_a_zeroing_gap_must_be_whole_months_of_a_year():
    document = copy.deepcopy(_document())
    document["zeroing"][2]["source"]["months"] = 13
    with pytest.raises(SchemeInvalid) as refused:
        parse(document)
    assert refused.value.problems == ["zeroing[2].source.months: 1 to 12"]
