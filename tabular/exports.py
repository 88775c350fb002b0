"""The one export writer: a `Table` (headers and rows) out as CSV or .xlsx, for every download.

Spreadsheet formula injection: a cell someone typed, such as an organisation named
"=HYPERLINK(...)" or a decision starting with "+", must open as text, never run as a formula.
CSV cannot mark a cell as text, so such text gets a leading apostrophe (what spreadsheets themselves
use to mean "text"); .xlsx stores every text cell with the string type, so the text is kept exactly.
Numbers, dates and times keep their types in .xlsx.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

# What a spreadsheet may read as the start of a formula (or of a DDE command, for tab and CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass
class Table:
    """Rows under headers. `title` is a heading line above the headers and `widths` the column widths
    (in characters), both for .xlsx only: a CSV stays plain headers and rows for other programs."""

    headers: Sequence[str]
    rows: Iterable[Sequence] = field(default_factory=list)
    title: str = ""
    sheet_name: str = "Sheet1"
    widths: Sequence[int] = ()


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula, made plain text for a CSV cell."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{_local(value):%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        value = "、".join(str(item) for item in value)
    return neutralise(str(value))


def csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in row])
    # Excel (common on office PCs here) reads UTF-8 Chinese text correctly only after a BOM.
    return out.getvalue().encode("utf-8-sig")


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | dt.date | dt.time):
        return value
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    return str(value)


def _append_text_safe(sheet, values) -> None:
    sheet.append([_xlsx_value(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # openpyxl takes any text starting with "=" for a formula
            cell.data_type = "s"
        elif isinstance(cell.value, dt.datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(cell.value, dt.date):
            cell.number_format = DATE_FORMAT


def xlsx_bytes(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.sheet_name[:31]  # Excel's limit on sheet names
    if table.title:
        _append_text_safe(sheet, [table.title])
        sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    _append_text_safe(sheet, table.headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in table.rows:
        _append_text_safe(sheet, row)
    for line in sheet.iter_rows(min_row=header_row + 1):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=index).column_letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(table: Table, filename: str, format: str) -> HttpResponse:
    """The table as a download named `filename` plus ".csv" or ".xlsx"."""
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}")
    body = csv_bytes(table) if format == "csv" else xlsx_bytes(table)
    response = HttpResponse(body, content_type=FORMATS[format])
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{format}")
    return response


class ListingExportMixin:
    """For a Wagtail admin index view (its SpreadsheetExportMixin): the listing's CSV and .xlsx
    downloads (`?export=csv`) go through this writer as well, formulas neutralised like every export."""

    def as_spreadsheet(self, queryset, spreadsheet_format):
        fields = list(self.list_export)
        table = Table(
            [self.get_heading(queryset, name) for name in fields],
            (list(self.to_row_dict(item).values()) for item in queryset),
        )
        return export_response(table, self.get_filename(), spreadsheet_format)
