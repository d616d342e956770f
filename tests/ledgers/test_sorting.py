"""Sorting a ledger by a column: numbers by value ("9" before "10", the known bug of sorting them
as text), dates by the day, text by text, empty cells first going up."""

from __future__ import annotations

from datetime import date

from app.ledgers.definitions import parse_ledger
from app.ledgers.table import LedgerRow
from app.ledgers.table import LedgerTable
from app.ledgers.table import sorted_rows

LEDGER = parse_ledger(
    "sample",
    b'{"title": "t", "x-title-en": "t", "process_keys": ["p"], "date_field": "d",'
    b' "columns": [{"field": "a"}, {"field": "b"}, {"field": "c"}]}',
)


def _table(*cells: tuple[str, str, str]) -> LedgerTable:
    rows = tuple(LedgerRow(n, date(2026, 1, n), False, row) for n, row in enumerate(cells, start=1))
    return LedgerTable(LEDGER, None, 2026, ("hours", "held on", "topic"), rows)


TABLE = _table(
    ("10", "2026-10-02", "乙"),
    ("9", "2026-9-15", "甲"),
    ("", "", ""),
    ("1.5", "2026-01-20 14:30", "丙"),
    ("100", "2026-01-20 09:00", "甲"),
)


def _column(index: int, descending: bool = False) -> list[str]:
    return [r.cells[index] for r in sorted_rows(TABLE, index, descending)]


def test_numbers_sort_by_their_value_not_their_text():
    assert _column(0) == ["", "1.5", "9", "10", "100"]
    assert _column(0, descending=True) == ["100", "10", "9", "1.5", ""]


def test_dates_sort_by_the_day_and_time_however_they_are_written():
    assert _column(1) == ["", "2026-01-20 09:00", "2026-01-20 14:30", "2026-9-15", "2026-10-02"]


def test_text_sorts_as_text_and_ties_keep_the_row_date_order():
    rows = sorted_rows(TABLE, 2, False)
    assert [r.cells[2] for r in rows] == ["", *sorted(["乙", "甲", "丙", "甲"])]
    tied = [r.instance_id for r in rows if r.cells[2] == "甲"]
    assert tied == [2, 5]


def test_a_column_with_one_word_among_numbers_sorts_as_text():
    table = _table(("10", "", ""), ("9", "", ""), ("n/a", "", ""))
    assert [r.cells[0] for r in sorted_rows(table, 0, False)] == ["10", "9", "n/a"]
