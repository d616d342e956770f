"""Party dues arithmetic (《关于中国共产党党费收缴、使用和管理的规定》, REG-DUES-2008 第二至五条;
domain.md §4 "党费 ratios", procedures.yaml party_dues_collection rules). Pure Python: no database.

The monthly base is the member's regular monthly income after tax (税后), in yuan. Brackets are
closed at the top: exactly 3000.00 is still 0.5%, 3000.01 is 1%.

* 在职 (in service), and 年薪制 (annual-salary staff: the regulation's 第三条 takes the monthly
  after-tax part of the annual salary as the base, at the same ratios): ≤3000 0.5%;
  ≤5000 1%; ≤10000 1.5%; above 2%;
* 离退休 (retired; the base is the pension after tax): ≤5000 0.5%; above 1%;
* 学生, 下岗失业, 低保 (students, the unemployed, those on subsistence allowance): 0.2 yuan a
  month, whatever the base (第五条);
* 其他 (other): the in-service ratios, a proposal for incomes the regulation does not name.

Amounts are in yuan, rounded to the cent half up (0.005 → 0.01), as a receipt writes them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal

CENT = Decimal("0.01")
FLAT_MONTHLY = Decimal("0.20")

IN_SERVICE = "in_service"
RETIRED = "retired"
ANNUAL_SALARY = "annual_salary"
STUDENT = "student"
UNEMPLOYED = "unemployed"
SUBSISTENCE = "subsistence"
OTHER = "other"

CATEGORIES = (IN_SERVICE, RETIRED, ANNUAL_SALARY, STUDENT, UNEMPLOYED, SUBSISTENCE, OTHER)
FLAT_CATEGORIES = frozenset({STUDENT, UNEMPLOYED, SUBSISTENCE})

#: (upper bound of the base, inclusive; ratio). The last bound is None: no limit.
IN_SERVICE_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("3000"), Decimal("0.005")),
    (Decimal("5000"), Decimal("0.01")),
    (Decimal("10000"), Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("5000"), Decimal("0.005")),
    (None, Decimal("0.01")),
)


def _money(value: Decimal | float | int | str) -> Decimal:
    return Decimal(str(value))


def dues_rate(category: str, base: Decimal | float | int | str) -> Decimal | None:
    """The ratio applied to the base; None for the flat 0.2 yuan categories."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown dues category {category!r}")
    if category in FLAT_CATEGORIES:
        return None
    amount = _money(base)
    if amount < 0:
        raise ValueError("a dues base cannot be negative")
    brackets = RETIRED_BRACKETS if category == RETIRED else IN_SERVICE_BRACKETS
    for upper, ratio in brackets:
        if upper is None or amount <= upper:
            return ratio
    raise AssertionError("the last bracket has no upper bound")


def monthly_dues(category: str, base: Decimal | float | int | str) -> Decimal:
    """The dues owed each month, in yuan, rounded to the cent."""
    ratio = dues_rate(category, base)
    if ratio is None:
        return FLAT_MONTHLY
    return (_money(base) * ratio).quantize(CENT, rounding=ROUND_HALF_UP)


def sheet_line(person: int, category: str, base: Decimal | float | int | str) -> dict:
    """One member's line of the base sheet, JSON-shaped: the rate as a number (0 when flat)."""
    ratio = dues_rate(category, base)
    return {
        "person": person,
        "category": category,
        "base": float(_money(base).quantize(CENT, rounding=ROUND_HALF_UP)),
        "rate": float(ratio) if ratio is not None else 0.0,
        "amount_due": float(monthly_dues(category, base)),
    }


def months_unpaid_in_a_row(statuses: list[str]) -> int:
    """How many of the last months, oldest first in ``statuses``, went unpaid one after another
    up to the newest ("paid"/"unpaid" per month)."""
    count = 0
    for status in reversed(statuses):
        if status == "paid":
            break
        count += 1
    return count
