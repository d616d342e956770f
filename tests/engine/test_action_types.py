"""The parameter types of domain actions: what deployment and the runtime accept as each."""

from __future__ import annotations

import pytest

from app.engine.action_types import NOT_LITERAL
from app.engine.action_types import fits
from app.engine.action_types import is_known_type
from app.engine.action_types import literal_value


@pytest.mark.parametrize(
    ("type_name", "good", "bad"),
    [
        ("string", "党支部", 3),
        ("integer", 2026, True),
        ("boolean", False, "false"),
        ("date", "2026-03-31", "2026-02-30"),
        ("org_code", "HH01-01", "HH 01"),
        ("person_id", 7, "7"),
        ("process_key", "grading_cycle", "grading-cycle"),
        ("list[org_code]", ["HH01", "HH02"], ["HH01", 3]),
    ],
)
def test_a_value_fits_its_type_and_a_near_miss_does_not(type_name, good, bad):
    assert is_known_type(type_name)
    assert fits(type_name, good)
    assert not fits(type_name, bad)


def test_unknown_types_are_not_types():
    assert not is_known_type("float")
    assert not is_known_type("list[float]")


def test_only_literals_are_checked_at_deployment():
    assert literal_value("['HH01', 'HH02']") == ["HH01", "HH02"]
    assert literal_value("cycle_year") is NOT_LITERAL
    assert literal_value("add_days(today(), 3)") is NOT_LITERAL
