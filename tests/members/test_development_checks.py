"""The procedural defects of member development (rubric C10) found from hand-made step sequences:
step number → the days it was recorded."""

from __future__ import annotations

from datetime import date

from app.members.development_checks import find_defects

D = date.fromisoformat
BUILT = range(1, 12)  # the steps the first three procedures record


def kinds(defects) -> list[tuple[str, int]]:
    return [(d.kind, d.step) for d in defects]


def test_a_development_by_the_rules_has_no_defect():
    recorded = {
        1: [D("2025-03-10")],
        2: [D("2025-03-25")],
        3: [D("2025-11-20")],
        4: [D("2025-11-30")],
        5: [D("2025-12-01")],
        6: [D("2026-05-20"), D("2026-11-20"), D("2026-11-21")],
        7: [D("2026-11-21")],
    }
    reviews = [D("2026-05-20"), D("2026-11-20")]
    assert find_defects(recorded, reviews, BUILT) == []


def test_a_talk_later_than_a_month_after_the_application_is_a_missed_deadline():
    defects = find_defects({1: [D("2026-01-31")], 2: [D("2026-03-01")]}, (), BUILT)
    assert kinds(defects) == [("late", 2)]
    assert "一个月内" in defects[0].zh
    assert defects[0].article.endswith("第八条")
    assert defects[0].day == D("2026-03-01")
    # the last day of the month after is still in time (31 January → 28 February)
    assert find_defects({1: [D("2026-01-31")], 2: [D("2026-02-28")]}, (), BUILT) == []


def test_a_development_target_decided_before_a_year_of_cultivation_is_too_early():
    recorded = {n: [D("2025-12-01")] for n in (1, 2)} | {
        3: [D("2026-01-09")],
        4: [D("2026-01-20")],
        5: [D("2026-01-21")],
        6: [D("2026-07-15")],
        7: [D("2027-01-08")],
    }
    defects = find_defects(recorded, [D("2026-07-15")], BUILT)
    assert kinds(defects) == [("too_early", 7)]
    assert defects[0].article.endswith("第十三条")
    recorded[7] = [D("2027-01-09")]
    assert find_defects(recorded, [D("2026-07-15")], BUILT) == []


def test_half_yearly_reviews_less_than_half_a_year_apart_are_too_early():
    recorded = {1: [D("2025-01-02")], 2: [D("2025-01-10")], 3: [D("2025-03-01")]}
    recorded |= {4: [D("2025-03-10")], 5: [D("2025-03-11")], 6: [D("2025-09-01")]}
    defects = find_defects(recorded, [D("2025-09-01"), D("2026-02-28")], BUILT)
    assert kinds(defects) == [("too_early", 6)]
    assert defects[0].day == D("2026-02-28")
    assert "半年" in defects[0].zh
    assert find_defects(recorded, [D("2025-09-01"), D("2026-03-01")], BUILT) == []


def test_a_step_recorded_before_an_earlier_step_is_out_of_order():
    recorded = {1: [D("2026-03-01")], 2: [D("2026-02-20")]}
    defects = find_defects(recorded, (), BUILT)
    assert kinds(defects) == [("out_of_order", 2)]
    assert "第2步早于第1步" in defects[0].zh


def test_a_recordable_step_skipped_before_a_later_one_is_a_defect_each():
    recorded = {1: [D("2026-01-05")], 2: [D("2026-01-20")], 5: [D("2026-03-01")]}
    defects = find_defects(recorded, (), BUILT)
    assert kinds(defects) == [("skipped", 3), ("skipped", 4)]
    assert defects[0].day is None
    assert "第3步未记录即进行了第5步" in defects[0].zh


def test_steps_the_system_cannot_record_yet_are_not_skipped():
    recorded = {1: [D("2026-01-05")], 2: [D("2026-01-20")], 15: [D("2026-06-01")]}
    assert kinds(find_defects(recorded, (), [1, 2, 15])) == []
    assert ("skipped", 3) in kinds(find_defects(recorded, (), [1, 2, 3, 15]))


def test_the_later_deadlines_and_the_probation_year():
    recorded = {15: [D("2026-01-10")], 17: [D("2026-04-11")], 23: [D("2027-01-09")]}
    defects = find_defects(recorded, (), [15, 17, 23])
    assert kinds(defects) == [("late", 17), ("too_early", 23)]
    recorded = {15: [D("2026-01-10")], 17: [D("2026-04-10")], 23: [D("2027-01-10")]}
    assert find_defects(recorded, (), [15, 17, 23]) == []


def test_nothing_recorded_has_no_defect():
    assert find_defects({}, (), BUILT) == []
