"""Writing .xlsx and .csv files for every export: text never taken for a formula, Chinese intact in Excel."""
import csv
import io
from datetime import date, datetime

from flask import send_file
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .downloads import name_download

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def set_text(cell, value) -> None:
    """Write a value so that text is never taken for a formula (CSV/formula injection)."""
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
    elif isinstance(value, (datetime, date)):
        cell.value = value.replace(tzinfo=None) if isinstance(value, datetime) else value
    else:
        cell.value = value


def workbook_with_table(title: str, headers: list[str], rows, widths: list[int] | None = None) -> Workbook:
    """A one-sheet workbook: bold header row, frozen, columns sized for Chinese text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        set_text(cell, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            set_text(sheet.cell(row=r, column=c), value)
    for col, header in enumerate(headers, start=1):
        width = widths[col - 1] if widths else max(10, len(header) * 2 + 2)
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "A2"
    return workbook


def xlsx_response(workbook: Workbook, download_name: str):
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return _attachment(buffer, XLSX_MIME, download_name)


def bytes_response(data: bytes, mimetype: str, download_name: str):
    return _attachment(io.BytesIO(data), mimetype, download_name)


def csv_safe(value):
    """Typed text that a spreadsheet would take for a formula is quoted (CSV injection); numbers pass."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(headers: list[str], rows, download_name: str):
    """A CSV in UTF-8 with a BOM, which Excel opens with Chinese intact; no cell is read as a formula."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows([csv_safe(value) for value in row] for row in rows)
    data = io.BytesIO(("\ufeff" + text.getvalue()).encode("utf-8"))
    return _attachment(data, "text/csv", download_name)


def _attachment(stream, mimetype: str, name: str):
    """A download of `stream` named `name` (with an ASCII name beside it for clients that read only that)."""
    return name_download(send_file(stream, mimetype=mimetype, as_attachment=True, download_name=name), name)
