"""The lines of the 支部工作条例 a branch's membership crosses, at every edge and back: 3 full
members to be a branch, 7 for a committee (and a committee below 7), more than 50 members."""

from __future__ import annotations

import pytest

from app.branches.lines import Counts
from app.branches.lines import describe
from app.branches.lines import lines_crossed


@pytest.mark.parametrize(
    ("full", "members", "committee", "crossed"),
    [
        (2, 2, False, ("below_three",)),
        (3, 3, False, ()),  # three full members make a branch
        (2, 5, False, ("below_three",)),  # probationary members do not count towards the three
        (6, 6, False, ()),
        (7, 7, False, ("committee_due",)),  # seven full members and no committee yet
        (7, 7, True, ()),
        (6, 6, True, ("committee_undue",)),  # back below seven with a committee
        (6, 9, True, ("committee_undue",)),  # probationary members do not count towards seven
        (30, 49, True, ()),
        (30, 50, True, ()),  # "normally no more than 50": fifty is still a branch
        (30, 51, True, ("over_fifty",)),
        (2, 51, True, ("below_three", "committee_undue", "over_fifty")),
    ],
)
def test_a_branch_is_across_the_lines_its_counts_cross(full, members, committee, crossed):
    assert lines_crossed(Counts(full, members, committee)) == crossed


def test_crossing_and_crossing_back_is_seen_each_way():
    history = [3, 2, 3, 6, 7, 6]  # full members month by month, no committee
    seen = [lines_crossed(Counts(n, n, False)) for n in history]
    assert seen == [(), ("below_three",), (), (), ("committee_due",), ()]


def test_the_line_is_told_with_the_counts():
    zh, en = describe("committee_undue", Counts(6, 8, True))
    assert zh == "正式党员6人，党员8人（含预备党员）：设有支部委员会，正式党员不足7人"
    assert en.startswith("6 full members, 8 members")
