"""The dashboard's Excel export: one row per branch in the user's scope, as of a day (openpyxl).

Text that came from users (names, plaque numbers) is written as text even when it starts
with ``=``, ``+``, ``-`` or ``@``, so that a spreadsheet never runs it as a formula (Excel
injection).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from app.identity.labels import LEVEL
from app.levels.queries import BranchAtLevel

FORMULA_STARTS = ("=", "+", "-", "@")
WIDTHS = {"A": 22, "B": 12, "C": 30, "D": 16, "E": 12, "F": 22, "G": 16}


def _text(cell: Cell) -> None:
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"


def workbook_bytes(rows: list[BranchAtLevel], day: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = day.isoformat()
    sheet.append(
        [
            _("Unit"),
            _("Branch code"),
            _("Branch"),
            _("Level"),
            _("Since"),
            _("Plaque"),
            _("Previous level"),
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in rows:
        row = item.row
        sheet.append(
            [
                item.unit.name,
                item.branch.code,
                item.branch.name,
                str(LEVEL[row.level]) if row else "",
                row.held_from if row else None,
                (row.plaque_no or "") if row else "",
                str(LEVEL[item.previous_level]) if item.previous_level else "",
            ]
        )
        for cell in sheet[sheet.max_row]:
            _text(cell)
        sheet.cell(row=sheet.max_row, column=5).number_format = "yyyy-mm-dd"
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
