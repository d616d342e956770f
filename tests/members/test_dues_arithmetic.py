"""The dues ratios at every bracket edge (REG-DUES-2008 第二至五条): brackets are closed at the top
(exactly 3000.00 is still 0.5%), amounts are rounded to the cent half up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.members.dues import monthly_dues
from app.members.dues import months_unpaid_in_a_row
from app.members.dues import sheet_line


@pytest.mark.parametrize(
    ("base", "rate", "amount"),
    [
        ("0", "0.005", "0.00"),
        ("2999.99", "0.005", "15.00"),  # 14.99995 rounds half up
        ("3000.00", "0.005", "15.00"),
        ("3000.01", "0.01", "30.00"),
        ("5000", "0.01", "50.00"),
        ("5000.01", "0.015", "75.00"),
        ("10000", "0.015", "150.00"),
        ("10000.01", "0.02", "200.00"),
        ("25000", "0.02", "500.00"),
    ],
)
def test_in_service_and_annual_salary_brackets(base, rate, amount):
    for category in ("in_service", "annual_salary", "other"):
        assert monthly_dues(category, base) == Decimal(amount)
        assert sheet_line(1, category, base)["rate"] == float(rate)


@pytest.mark.parametrize(
    ("base", "amount"),
    [("4999.99", "25.00"), ("5000", "25.00"), ("5000.01", "50.00"), ("8000", "80.00")],
)
def test_retired_brackets(base, amount):
    assert monthly_dues("retired", base) == Decimal(amount)


@pytest.mark.parametrize("category", ["student", "unemployed", "subsistence"])
def test_students_the_unemployed_and_those_on_subsistence_pay_20_fen(category):
    assert monthly_dues(category, "0") == Decimal("0.20")
    assert monthly_dues(category, "9000") == Decimal("0.20")
    assert sheet_line(7, category, 0)["rate"] == 0.0


def test_cents_round_half_up():
    assert monthly_dues("in_service", "3333.33") == Decimal("33.33")  # 33.3333
    assert monthly_dues("in_service", "4444.50") == Decimal("44.45")  # 44.445 → up
    assert monthly_dues("retired", "1001") == Decimal("5.01")  # 5.005 → up


def test_an_unknown_category_or_a_negative_base_is_refused():
    with pytest.raises(ValueError, match="unknown dues category"):
        monthly_dues("farmer", "100")
    with pytest.raises(ValueError, match="negative"):
        monthly_dues("in_service", "-1")


def test_months_unpaid_count_back_from_the_newest():
    assert months_unpaid_in_a_row(["paid", "unpaid", "unpaid"]) == 2
    assert months_unpaid_in_a_row(["unpaid", "paid"]) == 0
    assert months_unpaid_in_a_row(["unpaid"] * 6) == 6
    assert months_unpaid_in_a_row([]) == 0
