"""The auditor's search as an Excel workbook: one row per instance, times in Beijing time."""

from __future__ import annotations

from datetime import datetime
from datetime import tzinfo
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.auditing.queries import FoundInstance
from app.workflow.labels import INSTANCE_STATUS

#: Text that a spreadsheet would read as a formula is kept as text (a business key "=cmd|…").
FORMULA_STARTS = ("=", "+", "-", "@")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(rows: list[FoundInstance], zone: tzinfo) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Procedures")[:31]
    headings = [
        _("No."),
        _("Procedure"),
        _("Version"),
        _("Organisation"),
        _("Business key"),
        _("Status"),
        _("Started by"),
        _("Started"),
        _("Ended"),
        _("Steps"),
        _("Open incidents"),
        _("Overdue tasks"),
    ]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append(
            [
                r.id,
                r.procedure,
                r.version,
                r.org_name,
                r.business_key or "",
                str(INSTANCE_STATUS.get(r.status, r.status)),
                r.initiator or "",
                _local(r.started_at, zone),
                _local(r.ended_at, zone),
                r.step_count,
                r.open_incidents,
                r.overdue_tasks,
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
    for column, width in zip(
        "ABCDEFGHIJKL", (8, 22, 6, 26, 22, 10, 12, 18, 18, 6, 8, 8), strict=True
    ):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _local(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""
