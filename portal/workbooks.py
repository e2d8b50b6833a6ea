"""Writing .xlsx and .csv files for every export: text never taken for a formula, Chinese intact in Excel."""
import csv
import io
import re
from datetime import date, datetime

from flask import send_file
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .downloads import name_download

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A CJK font named in every cell: without one, LibreOffice and Excel on a machine without the author's fonts
# pick a Latin font and substitute glyph by glyph. 宋体 is on every Chinese Windows and WPS install; elsewhere
# it is matched to the system's serif CJK face (Noto Serif CJK on Debian).
CJK_FONT = "宋体"
BODY_FONT = Font(name=CJK_FONT, size=11)
HEADER_FONT = Font(name=CJK_FONT, size=11, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Wider than this (in character widths, the sum of the columns) and a table prints landscape.
PORTRAIT_WIDTH = 95


def page_setup(sheet: Worksheet, title_rows: str, landscape: bool | None = None) -> None:
    """Print the sheet as the trading centers file it: A4, all columns on one page's width (as many pages
    down as it takes), `title_rows` (e.g. "1:1") repeated on every page, page numbers in the footer.
    Landscape when asked, or when the columns are too wide for portrait."""
    if landscape is None:
        widths = [dim.width or 10 for dim in sheet.column_dimensions.values()]
        landscape = sum(widths) > PORTRAIT_WIDTH
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


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
    """A one-sheet workbook: bold header row, frozen, columns sized for Chinese text, cells boxed in a CJK
    font, set up to print on A4 with the header on every page."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        set_text(cell, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            set_text(cell, value)
            cell.font = BODY_FONT
            cell.border = BOX
    for col, header in enumerate(headers, start=1):
        width = widths[col - 1] if widths else max(10, len(header) * 2 + 2)
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "A2"
    page_setup(sheet, "1:1")
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


ALL_DIGITS = re.compile(r"[0-9]+[0-9Xx]?")


def csv_as_text(value):
    """A long number that must stay text in a spreadsheet (an ID number: Excel and WPS read 18 digits as a
    number, show 2.2010219800101E+17 and lose the last digits when saved back), written as ="...", which they
    read as that text. Only ever digits (and a final X), so it is no formula injection; the importers read it
    back (spreadsheets.cell_text)."""
    if isinstance(value, str) and ALL_DIGITS.fullmatch(value):
        return f'="{value}"'
    return csv_safe(value)


def csv_response(headers: list[str], rows, download_name: str, text_columns: tuple[int, ...] = ()):
    """A CSV in UTF-8 with a BOM, which Excel opens with Chinese intact; no cell is read as a formula.
    `text_columns` (0-based) hold long numbers that must stay text (csv_as_text)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows([csv_as_text(value) if index in text_columns else csv_safe(value)
                      for index, value in enumerate(row)] for row in rows)
    data = io.BytesIO(("\ufeff" + text.getvalue()).encode("utf-8"))
    return _attachment(data, "text/csv", download_name)


def _attachment(stream, mimetype: str, name: str):
    """A download of `stream` named `name` (with an ASCII name beside it for clients that read only that)."""
    return name_download(send_file(stream, mimetype=mimetype, as_attachment=True, download_name=name), name)
