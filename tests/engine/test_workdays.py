"""The working-day calendar: the shipped file's holidays and adjusted working days, the counting
rule both ways, and the Monday-to-Friday fallback for a year the file does not list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.engine.workdays import WEEKDAYS_ONLY
from app.engine.workdays import CalendarFileError
from app.engine.workdays import parse_calendar

SHIPPED = Path(__file__).resolve().parents[2] / "app" / "workflow" / "working_calendar.toml"


@pytest.fixture(scope="module")
def calendar():
    return parse_calendar(SHIPPED.read_text(encoding="utf-8"))


def test_every_shipped_year_names_its_source_and_2027_is_marked_provisional(calendar):
    assert sorted(calendar.years) == [2025, 2026, 2027]
    assert all(year.source for year in calendar.years.values())
    assert [y for y, year in calendar.years.items() if year.provisional] == [2027]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # National Day, a Thursday
        (date(2026, 10, 8), True),  # Thursday after the holidays
        (date(2026, 10, 10), True),  # Saturday, adjusted working day
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2025, 1, 26), True),  # Sunday before the Spring Festival, adjusted working day
        (date(2026, 2, 23), False),  # Monday, last day of the Spring Festival holidays
        (date(2028, 10, 2), True),  # 2028 is not listed: Monday is a working day
        (date(2028, 10, 1), False),  # ... and Sunday is not
    ],
)
def test_is_working_day(calendar, day, working):
    assert calendar.is_working_day(day) is working


def test_five_working_days_of_public_notice_over_national_day(calendar):
    # Notice published on Tuesday 29 September 2026: 30 Sep, 8, 9, 10 (Sat) and 12 Oct.
    assert calendar.add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert calendar.working_days_between(date(2026, 9, 29), date(2026, 10, 12)) == 5


def test_counting_backwards(calendar):
    # Three working days before Thursday 8 October 2026: 30 Sep, 29 Sep, 28 Sep.
    assert calendar.add_working_days(date(2026, 10, 8), -3) == date(2026, 9, 28)
    assert calendar.working_days_between(date(2026, 10, 8), date(2026, 9, 28)) == -3


def test_zero_days_is_the_day_itself_even_on_a_holiday(calendar):
    assert calendar.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


@pytest.mark.parametrize("n", [-12, -5, -1, 1, 3, 5, 20])
@pytest.mark.parametrize("start", [date(2026, 9, 27), date(2026, 10, 3), date(2027, 2, 4)])
def test_between_undoes_add(calendar, start, n):
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


def test_without_a_calendar_monday_to_friday():
    assert WEEKDAYS_ONLY.add_working_days(date(2026, 10, 1), 2) == date(2026, 10, 5)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[years.2026]\nholidays = [2026-10-01]\n", "source"),
        ('[years.2026]\nsource = "x"\nholidays = [2025-10-01]\n', "not a date of 2026"),
        ('[years.2026]\nsource = "x"\nworkdays = [2026-10-09]\n', "Saturdays or Sundays"),
        ('[years.2026]\nsource = "x"\nholidays = [2026-10-10]\nworkdays = [2026-10-10]\n', "both"),
        ("[years.2026\n", "not TOML"),
    ],
)
def test_a_broken_file_is_refused_with_the_reason(text, problem):
    with pytest.raises(CalendarFileError, match=problem):
        parse_calendar(text)
