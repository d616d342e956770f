"""The rules of the talk plan and of the democratic appraisal, on their own: who talks with whom,
who is left uncovered, how the poll is counted and when the grades are refused."""

from __future__ import annotations

import pytest

from app.core.errors import ValidationFailed
from app.meetings.appraisal import check_grades
from app.meetings.appraisal import count_poll
from app.meetings.talk_plan import not_covered
from app.meetings.talk_plan import plan_pairs


def _pairs(secretary, committee, members) -> set[tuple[int, int]]:
    return {(p["talker"], p["talk_partner"]) for p in plan_pairs(secretary, committee, members)}


def test_the_committee_talks_among_itself_and_shares_the_members_out():
    pairs = _pairs(1, [1, 2, 3], [1, 2, 3, 4, 5, 6, 7])
    assert {(1, 2), (1, 3), (2, 3)} <= pairs  # the secretary first, then the committee
    committee_member = {(a, b) for a, b in pairs if a in (1, 2, 3) and b > 3}
    assert {b for _a, b in committee_member} == {4, 5, 6, 7}  # each member with one of them
    assert {a for a, _b in committee_member} == {1, 2, 3}  # shared out in turn
    members = {(a, b) for a, b in pairs if a > 3}
    assert members == {(4, 5), (5, 6), (6, 7), (7, 4)}  # a ring: each member with the next
    assert len(pairs) < 7 * 6 // 2  # not every pair of the branch


def test_a_branch_without_a_committee_has_its_secretary_talk_with_everyone():
    assert _pairs(1, [], [1, 2, 3]) == {(1, 2), (1, 3), (2, 3)}
    assert _pairs(1, [], [1, 2, 3, 4]) >= {(1, 2), (1, 3), (1, 4)}
    assert _pairs(None, [], [5, 6]) == {(5, 6)}  # two members: one talk, not the same twice


def test_uncovered_are_the_members_in_no_talk_held():
    talks = [{"talker": 1, "talk_partner": 2}, {"talker": 3, "talk_partner": 1}]
    assert not_covered([1, 2, 3, 4, 5], talks) == [4, 5]


def _row(person, excellent, qualified, basic=0, unq=0):
    return {
        "person": person,
        "excellent": excellent,
        "qualified": qualified,
        "basically_qualified": basic,
        "unqualified": unq,
    }


def test_the_poll_gives_most_votes_and_a_tie_the_lower_grade(app):
    with app.test_request_context():
        results = count_poll([1, 2, 3], 9, [_row(1, 5, 4), _row(2, 4, 4, 1), _row(3, 0, 2, 2, 2)])
        assert [r["poll_grade"] for r in results] == ["excellent", "qualified", "unqualified"]
        with pytest.raises(ValidationFailed):  # 10 votes from 9 ballots
            count_poll([1], 9, [_row(1, 5, 5)])
        with pytest.raises(ValidationFailed):  # counted twice
            count_poll([1], 9, [_row(1, 5, 4), _row(1, 5, 4)])
        with pytest.raises(ValidationFailed):  # someone not appraised
            count_poll([1], 9, [_row(1, 5, 4), _row(2, 5, 4)])


def test_excellent_is_at_most_a_third_and_everyone_is_graded_once(app):
    scope = [1, 2, 3, 4, 5, 6]
    grades = [{"person": p, "grade": "qualified"} for p in scope]
    grades[0]["grade"] = grades[1]["grade"] = "excellent"
    grades[5]["grade"] = "unqualified"
    with app.test_request_context():
        assert check_grades(scope, grades) == {
            "excellent_count": 2,
            "excellent_cap": 2,
            "unqualified": [6],
        }
        grades[2]["grade"] = "excellent"
        with pytest.raises(ValidationFailed) as refused:  # 3 of 6
            check_grades(scope, grades)
        assert "grades" in refused.value.field_errors
        with pytest.raises(ValidationFailed):  # one left out
            check_grades(scope, grades[:5])
        with pytest.raises(ValidationFailed):  # one twice
            check_grades(scope, [*grades[:5], grades[0]])
