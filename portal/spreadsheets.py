"""Reading uploaded .xlsx/.csv tables and writing .xlsx files, shared by every import and export."""
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import send_file
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_text(raw) -> str:
    """A spreadsheet cell as text: numbers without a trailing .0, blanks as ''."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (the header is row 1)
    column: str  # Chinese header, or "" for the whole row
    message: str


@dataclass
class ImportCheck:
    """The outcome of checking every row of an import: it goes ahead only without a single error."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def missing_columns(headers: list[str], columns) -> list[str]:
    """The required headers of `columns` ((key, header, required) triples) absent from `headers`."""
    present = {h.strip() for h in headers if h}
    return [header for key, header, required in columns if required and header not in present]


class SpreadsheetError(ValueError):
    """The upload cannot be read as a table; the message is Chinese and says why."""


def read_table(filename: str, data: bytes, max_rows: int) -> tuple[list[str], list[tuple[int, list]]]:
    """(header cells, [(row number, cells)]) from an .xlsx or .csv upload; blank rows skipped.

    More than `max_rows` data rows is refused whole, before any row is validated.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise SpreadsheetError("只支持 .xlsx 或 .csv 文件，请使用下载的模板填写。")
    try:
        header = next(rows)
    except StopIteration:
        raise SpreadsheetError("文件是空的：第 1 行应为表头。") from None
    headers = [str(c).strip() if c is not None else "" for c in header]
    body = []
    for number, cells in enumerate(rows, start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        body.append((number, list(cells)))
        if len(body) > max_rows:
            raise SpreadsheetError(f"文件超过 {max_rows} 行数据的上限，未导入任何数据。请拆分为多个文件。")
    return headers, body


def read_rows(filename: str, data: bytes, max_rows: int):
    """Every row of an .xlsx (first sheet) or .csv upload, header rows included; more than `max_rows` refused."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise SpreadsheetError("只支持 .xlsx 或 .csv 文件。")
    for number, cells in enumerate(rows, start=1):
        if number > max_rows:
            raise SpreadsheetError(f"文件超过 {max_rows} 行，不像是月调度情况表。")
        yield list(cells)


def _xlsx_rows(data: bytes):
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetError("文件不是有效的 .xlsx 文件（可能是改了扩展名的其他文件）。请用 Excel 另存为 .xlsx 后重试。")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SpreadsheetError("文件不是有效的 .xlsx 文件，无法读取。请用 Excel 另存为 .xlsx 后重试。") from None
    sheet = workbook.worksheets[0]
    return (tuple(row) for row in sheet.iter_rows(values_only=True))


def _csv_rows(data: bytes):
    # Excel in China saves CSV as GBK (GB18030 is its superset); others save UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码。")
    if "\x00" in text:
        raise SpreadsheetError("文件不是有效的 CSV 文本文件。")
    return (tuple(row) for row in csv.reader(io.StringIO(text)))


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
    return send_file(buffer, mimetype=XLSX_MIME, as_attachment=True, download_name=download_name)


def bytes_response(data: bytes, mimetype: str, download_name: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=download_name)


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
    return send_file(data, mimetype="text/csv", as_attachment=True, download_name=download_name)
