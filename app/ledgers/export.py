"""A ledger as an Excel workbook: the headings, then a row per record, as the page shows them."""

from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.ledgers.table import LedgerTable

#: Text a spreadsheet would read as a formula is kept as text.
FORMULA_STARTS = ("=", "+", "-", "@")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(table: LedgerTable, locale: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = str(table.year)
    title = table.ledger.title_for(locale)
    sheet.append([f"{table.org.name} · {title} · {table.year}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("No."), *table.headings])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for number, row in enumerate(table.rows, start=1):
        sheet.append([row.instance_id or number, *row.cells])
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
    sheet.column_dimensions["A"].width = 8
    for index in range(len(table.headings)):
        sheet.column_dimensions[get_column_letter(index + 2)].width = 24
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
