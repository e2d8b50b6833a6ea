"""Reading uploaded .xlsx/.csv tables, shared by every import: bounded in size, rows and time (a small file cannot
hold a worker), parsed safely, every failure a Chinese refusal. Writing them is `portal.workbooks`."""
import csv
import io
import logging
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from xml.parsers import expat
from xml.parsers.expat import ExpatError

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from flask import current_app, has_app_context
from openpyxl import load_workbook


logger = logging.getLogger(__name__)

# openpyxl parses with defusedxml (no entities, no external references) when it can import it at its own import
# and OPENPYXL_DEFUSEDXML is not "False"; without it an entity in an upload is expanded or ends in a ParseError.
# The archive scan below refuses DTDs before openpyxl sees a part; this keeps the second lock in place.
if not openpyxl.DEFUSEDXML:
    raise ImportError("openpyxl is not using defusedxml: install it (a runtime dependency) and do not set "
                      "OPENPYXL_DEFUSEDXML=False")


def cell_text(raw) -> str:
    """A spreadsheet cell as text: numbers without a trailing .0, blanks as ''; a CSV's ="220102…" (how our
    templates keep long numbers as text, workbooks.csv_as_text) as the text inside."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    if len(text) > 3 and text.startswith('="') and text.endswith('"'):
        return text[2:-1].strip()
    return text


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


# --- what one upload may cost -----------------------------------------------------------------------------
#
# An .xlsx is a zip of XML parts: a few kilobytes can stand for gigabytes of XML, millions of blank rows or one
# string of hundreds of megabytes, and openpyxl pays for all of it (most of it while it opens the file). So the
# archive is inspected before openpyxl sees it (entries, sizes, compression ratios), its XML is scanned with
# expat for what openpyxl would parse (DTDs refused; rows, cells and elements counted), every row the reader
# yields is counted, blank ones too, and the whole read runs against a time budget.

EXCEL_MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell; no genuine sheet holds more
MiB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Limits of one import read; each field can be set as IMPORT_<FIELD> (e.g. PORTAL_IMPORT_SECONDS=5).

    Set from a genuine 20,000-row expert import (the largest the portal takes; 9 columns, long employer
    names), measured: as openpyxl (and so the portal's template) writes it, 9 entries, sheet XML 13 MB at a
    compression ratio of 15, 560,000 XML elements; as Excel writes it, sheet 6.7 MB and shared strings 1.2 MB
    at ratios 9–11; openpyxl reads either in 3–4 s of CPU on the 2-core build machine; as CSV 4.3 MB, read in
    0.15 s.
    """

    max_file_bytes: int = 10 * MiB  # the request limit (MAX_CONTENT_LENGTH), again for any other caller
    # Past 100 KB an entry may expand at most 100 times, as in Apache POI's ZipSecureFile (the reference OOXML
    # reader): text and markup compress 3–20 times, millions of blank rows a thousand times.
    max_compression_ratio: int = 100
    ratio_grace_bytes: int = 100 * 1024
    max_entries: int = 1000  # a workbook of many sheets has a few dozen
    max_uncompressed_bytes: int = 64 * MiB
    max_part_bytes: int = 32 * MiB  # any one part, i.e. a sheet: 2.5 times the genuine 13 MB
    max_shared_strings_bytes: int = 16 * MiB  # openpyxl holds every shared string in memory
    max_columns: int = 256  # cells in one row; the templates have 9 columns
    # Rows read, blank ones too: the import's data rows times row_factor plus row_margin (a template's blank
    # or formatted rows); XML elements: rows read times elements_per_row plus element_margin (styles, theme).
    row_factor: int = 2
    row_margin: int = 1000
    elements_per_row: int = 50
    element_margin: int = 100_000
    # The time budget of one read, in CPU time: seconds plus the import's data rows at rows_per_second, under
    # half the rate measured (10 s for 20,000 experts, 4 s for 5,000 workstations, 2.1 s for a monthly report);
    # and at most wall_seconds however busy the machine, below gunicorn's 30 s worker timeout. Every bomb of
    # issue 27 is refused by the counts above within milliseconds; the budget bounds what looks genuine.
    seconds: float = 2.0
    rows_per_second: int = 2500
    wall_seconds: float = 25.0

    @classmethod
    def from_config(cls, config) -> "ReadLimits":
        names = {f.name for f in fields(cls)}
        return cls(**{name: config[f"IMPORT_{name.upper()}"] for name in names if f"IMPORT_{name.upper()}" in config})

    def rows_read(self, max_rows: int) -> int:
        return max_rows * self.row_factor + self.row_margin

    def seconds_for(self, max_rows: int) -> float:
        return self.seconds + max_rows / self.rows_per_second

    def deadline(self, max_rows: int) -> "_Deadline":
        return _Deadline(self.seconds_for(max_rows), self.wall_seconds)


def current_limits() -> ReadLimits:
    """The app's IMPORT_* settings over the defaults (the defaults outside an app)."""
    return ReadLimits.from_config(current_app.config) if has_app_context() else ReadLimits()


class _OutOfTime(Exception):
    """Raised where the deadline is checked; not a ValueError, so openpyxl does not wrap it."""


class _Deadline:
    """The time budget of one read, checked while it goes on: the CPU time this thread spends on it (what the
    upload costs, whatever else the machine is doing: a wall-clock budget refused genuine 20,000-row imports
    on the build machine under load) and a ceiling on wall time, so that no read nears gunicorn's timeout."""

    def __init__(self, seconds: float, wall_seconds: float):
        self.seconds, self.wall_seconds = seconds, wall_seconds
        self.cpu_at = time.thread_time() + seconds
        self.wall_at = time.monotonic() + wall_seconds
        self.busy = False   # the wall ceiling was reached first

    def check(self) -> None:
        if time.thread_time() > self.cpu_at:
            raise _OutOfTime
        if time.monotonic() > self.wall_at:
            self.busy = True
            raise _OutOfTime


class _TimedSource(io.BytesIO):
    """The upload as openpyxl's zip reads it: every read checks the deadline, also while openpyxl opens the
    file (it parses the shared strings and, without a <dimension>, the whole sheet before the first row)."""

    def __init__(self, data: bytes, deadline: _Deadline):
        super().__init__(data)
        self._deadline = deadline

    def read(self, size=-1):
        self._deadline.check()
        return super().read(size)


def read_table(filename: str, data: bytes, max_rows: int,
               limits: ReadLimits | None = None) -> tuple[list[str], list[tuple[int, list]]]:
    """(header cells, [(row number, cells)]) from an .xlsx or .csv upload; blank rows skipped.

    More than `max_rows` data rows is refused whole, before any row is validated; so is a file over the
    read limits (`ReadLimits`), blank rows counted.
    """
    limits = limits or current_limits()
    deadline = limits.deadline(max_rows)
    row_limit = limits.rows_read(max_rows)
    rows = _bounded(_rows(filename, data, row_limit, limits, deadline, "只支持 .xlsx 或 .csv 文件，请使用下载的模板填写。"),
                    row_limit, limits, deadline)
    try:
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
    except _OutOfTime:
        raise _too_slow(deadline) from None
    return headers, body


def read_rows(filename: str, data: bytes, max_rows: int, limits: ReadLimits | None = None):
    """Every row of an .xlsx (first sheet) or .csv upload, header rows included; more than `max_rows` refused."""
    limits = limits or current_limits()
    deadline = limits.deadline(max_rows)
    rows = _bounded(_rows(filename, data, max_rows, limits, deadline, "只支持 .xlsx 或 .csv 文件。"),
                    max_rows + 1, limits, deadline)
    try:
        for number, cells in enumerate(rows, start=1):
            if number > max_rows:
                raise SpreadsheetError(f"文件超过 {max_rows} 行，不像是月调度情况表。")
            yield list(cells)
    except _OutOfTime:
        raise _too_slow(deadline) from None


def _too_slow(deadline: _Deadline) -> SpreadsheetError:
    if deadline.busy:
        return SpreadsheetError(f"服务器繁忙，读取文件超过 {deadline.wall_seconds:.3g} 秒仍未完成，已停止，未导入任何数据。"
                                "请稍后重试。")
    return SpreadsheetError(f"读取文件超过 {deadline.seconds:.3g} 秒仍未完成，已停止，未导入任何数据。"
                            "请删除多余的空行、列和格式，或拆分为多个文件后重试。")


def _rows(filename, data, row_limit, limits, deadline, wrong_type):
    name = (filename or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise SpreadsheetError(wrong_type)
    if len(data) > limits.max_file_bytes:
        raise SpreadsheetError(f"文件超过 {limits.max_file_bytes / MiB:g} MB 的上限，未导入任何数据。请拆分为多个文件。")
    if name.endswith(".xlsx"):
        return _xlsx_rows(data, row_limit, limits, deadline)
    return _csv_rows(data, limits)


def _bounded(rows, row_limit: int, limits: ReadLimits, deadline: _Deadline):
    """The rows as read, each counted (blank ones too) and checked against the deadline, the column limit and
    Excel's cell size."""
    for number, cells in enumerate(rows, start=1):
        if number > row_limit:
            raise SpreadsheetError(_too_many_rows(row_limit))
        deadline.check()
        if len(cells) > limits.max_columns:
            raise SpreadsheetError(f"第 {number} 行超过 {limits.max_columns} 列，未导入任何数据。请删除多余的列。")
        for cell in cells:
            if type(cell) is str and len(cell) > EXCEL_MAX_CELL_CHARS:
                raise SpreadsheetError(f"第 {number} 行有单元格超过 {EXCEL_MAX_CELL_CHARS} 个字符（Excel 单元格的上限），"
                                       "未导入任何数据。")
        yield cells


def _too_many_rows(row_limit: int) -> str:
    return (f"文件超过 {row_limit} 行（空行也计算在内），已停止读取，未导入任何数据。"
            "请删除表格末尾多余的空行和格式，或拆分为多个文件。")


# --- .xlsx --------------------------------------------------------------------------------------------------

NOT_XLSX = "文件不是有效的 .xlsx 文件（可能是改了扩展名的其他文件）。请用 Excel 另存为 .xlsx 后重试。"
UNREADABLE_XLSX = "文件不是有效的 .xlsx 文件，无法读取。请用 Excel 另存为 .xlsx 后重试。"
RESAVE = "请用 Excel 打开后另存为 .xlsx 再试。"
# Entries no import table holds: embedded objects and archives inside the archive.
NESTED = re.compile(r"(^|/)embeddings/|\.(zip|xlsx|xlsm|xlsb|xls|docx|docm|pptx|jar|gz|tgz|bz2|xz|7z|rar|tar|cab)$",
                    re.IGNORECASE)
ODD_NAME = re.compile(r"^/|^[A-Za-z]:|\\|(^|/)\.\.(/|$)|[\x00-\x1f\x7f]")
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _xlsx_rows(data: bytes, row_limit: int, limits: ReadLimits, deadline: _Deadline):
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetError(NOT_XLSX)
    check_archive(data, row_limit, limits, deadline)
    workbook = None
    try:
        workbook = load_workbook(_TimedSource(data, deadline), read_only=True, data_only=True, keep_links=False)
        if not workbook.worksheets:
            raise SpreadsheetError("文件中没有工作表，无法读取。" + RESAVE)
        sheet = workbook.worksheets[0]
        # The <dimension> is a writer's cached hint that openpyxl pads every row (and the sheet's end) to;
        # beyond the limits it is dropped, and each row is as long as its own cells.
        if (sheet.max_row or 0) > row_limit or (sheet.max_column or 0) > limits.max_columns:
            sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except (SpreadsheetError, _OutOfTime):
        raise
    except Exception as error:  # any failure to parse the upload is a refusal, never a 500
        raise _unreadable(error) from None
    finally:
        if workbook is not None:
            workbook.close()


def _unreadable(error: Exception) -> SpreadsheetError:
    """A failure of zipfile or openpyxl (which wraps its own in a ValueError) as a Chinese reason."""
    causes = []
    while error is not None and len(causes) < 10:
        causes.append(error)
        error = error.__cause__ or error.__context__
    logger.info("unreadable .xlsx upload: %s", " <- ".join(f"{type(e).__name__}: {e}"[:200] for e in causes))
    if any(isinstance(e, DefusedXmlException) for e in causes):
        return SpreadsheetError("文件中含有 XML 文档类型声明或实体（DOCTYPE/ENTITY），Excel 保存的表格不会含有这些内容，"
                                "已拒绝读取。" + RESAVE)
    if any(isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)) for e in causes):
        return SpreadsheetError("文件已损坏（压缩数据校验失败），无法读取。" + RESAVE)
    if any(isinstance(e, KeyError) for e in causes):
        return SpreadsheetError("文件缺少工作簿的组成部分，无法读取。" + RESAVE)
    if any(isinstance(e, (ParseError, ExpatError)) for e in causes):
        return SpreadsheetError("文件中的 XML 内容已损坏，无法读取。" + RESAVE)
    return SpreadsheetError(UNREADABLE_XLSX)


def _directory_extent(data: bytes) -> tuple[int, int]:
    """(entries, bytes) of the zip's central directory as its end record declares them, read before zipfile
    parses the directory (100,000 entries cost it 0.7 s and 55 MB). zipfile reads exactly these bytes, and
    the ZIP64 record's figures where that record is present."""
    tail = data[-(22 + (1 << 16)):]   # where zipfile looks: the record and a comment of up to 64 KB
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise SpreadsheetError(NOT_XLSX)
    entries, size = struct.unpack("<10xHL6x", tail[at:at + 22])
    locator = at - 20
    if locator >= 56 and tail[locator:locator + 4] == b"PK\x06\x07":
        record = tail[locator - 56:locator]
        if record[:4] != b"PK\x06\x06":
            raise SpreadsheetError(NOT_XLSX)
        entries, size = struct.unpack("<32xQQ8x", record)
    return entries, size


def check_archive(data: bytes, row_limit: int, limits: ReadLimits | None = None, deadline: _Deadline | None = None):
    """Refuse an .xlsx over the limits before openpyxl opens it: the zip directory (entries, names, methods,
    declared sizes and ratios; zipfile never yields more than an entry's declared size), then every XML part
    scanned with expat for a DTD, rows, cells per row and elements."""
    limits = limits or current_limits()
    deadline = deadline or limits.deadline(row_limit)
    entries, directory_bytes = _directory_extent(data)
    entries = max(entries, directory_bytes // 512)   # a directory entry with its name takes well under 512 bytes
    if entries > limits.max_entries:
        raise SpreadsheetError(f"文件中的压缩条目过多（{entries} 个，上限 {limits.max_entries} 个），"
                               "不像是 Excel 保存的表格，已拒绝读取。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:
        raise _unreadable(error) from None
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise SpreadsheetError(f"文件中的压缩条目过多（{len(infos)} 个，上限 {limits.max_entries} 个），"
                               "不像是 Excel 保存的表格，已拒绝读取。")
    seen, total = set(), 0
    for info in infos:
        name = info.filename
        if ODD_NAME.search(name) or name.lower() in seen:
            raise SpreadsheetError(f"文件中含有异常的条目（{name[:80]!r}），不像是 Excel 保存的表格，已拒绝读取。")
        seen.add(name.lower())
        if NESTED.search(name):
            raise SpreadsheetError(f"文件中嵌有其他文件或压缩包（{name[:80]}），导入表不应含有这些内容。"
                                   "请删除后另存为 .xlsx 再试。")
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SpreadsheetError(f"文件中的“{name[:80]}”经过加密或使用了 Excel 不用的压缩方式，无法读取。"
                                   "请用 Excel 另存为 .xlsx（不设密码）后重试。")
        if info.file_size > limits.max_part_bytes:
            raise SpreadsheetError(f"文件中的“{name[:80]}”解压后有 {info.file_size / MiB:.0f} MB，超过 "
                                   f"{limits.max_part_bytes / MiB:g} MB 的上限，已拒绝读取。"
                                   "请删除多余的空行和格式，或拆分为多个文件。")
        if info.file_size > limits.ratio_grace_bytes and \
                info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
            raise SpreadsheetError(f"文件中的“{name[:80]}”解压后是压缩时的 {info.file_size / max(info.compress_size, 1):.0f} 倍，"
                                   f"超过 {limits.max_compression_ratio} 倍的上限（压缩炸弹，或成百万的空行），已拒绝读取。"
                                   "请删除多余的空行和格式后另存。")
        total += info.file_size
    if total > limits.max_uncompressed_bytes:
        raise SpreadsheetError(f"文件解压后共有 {total / MiB:.0f} MB，超过 {limits.max_uncompressed_bytes / MiB:g} MB "
                               "的上限，已拒绝读取。请删除多余的工作表、空行和格式，或拆分为多个文件。")
    _scan_parts(archive, infos, row_limit, limits, deadline)


def _scan_parts(archive, infos, row_limit: int, limits: ReadLimits, deadline: _Deadline) -> None:
    """Parse every XML part with expat, as openpyxl would (the manifest first, for the shared strings' name),
    counting what openpyxl would build from it."""
    element_limit = row_limit * limits.elements_per_row + limits.element_margin
    max_columns = limits.max_columns
    elements = rows = cells = 0
    shared_strings = set()

    def doctype(*_):
        raise _Refused("DOCTYPE")

    def start(tag, attrs):
        # Called for every element of every part: kept to a few comparisons (a prefixed tag counts the same).
        nonlocal elements, rows, cells
        elements += 1
        last = tag[-1]
        if last == "c" and (tag == "c" or tag.endswith(":c")):
            cells += 1
            if cells > max_columns:
                raise _Refused("cells")
        elif last == "w" and (tag == "row" or tag.endswith(":row")):
            rows += 1
            cells = 0
            if rows > row_limit:
                raise _Refused("rows")
        if elements > element_limit:
            raise _Refused("elements")

    def manifest(tag, attrs):
        start(tag, attrs)
        attrs = dict(zip(attrs[::2], attrs[1::2]))
        if tag[tag.rfind(":") + 1:] == "Override" and attrs.get("ContentType") == SHARED_STRINGS_TYPE:
            shared_strings.add(attrs.get("PartName", "").lstrip("/"))

    ordered = sorted(infos, key=lambda info: info.filename != "[Content_Types].xml")
    for info in ordered:
        if info.is_dir():
            continue
        if info.filename in shared_strings and info.file_size > limits.max_shared_strings_bytes:
            raise SpreadsheetError(f"文件中的共享字符串表（{info.filename}）解压后有 {info.file_size / MiB:.0f} MB，"
                                   f"超过 {limits.max_shared_strings_bytes / MiB:g} MB 的上限，已拒绝读取。")
        handler = manifest if info.filename == "[Content_Types].xml" else start
        try:
            _parse_part(archive, info, handler, doctype, deadline)
        except _Refused as refused:
            raise SpreadsheetError(_refusal(refused.args[0], info.filename, row_limit, limits, element_limit)) from None


def _parse_part(archive, info, start, doctype, deadline: "_Deadline") -> None:
    """Run one part through expat with `start` for every element; a part that is not XML is skipped."""
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    try:
        with archive.open(info) as part:
            chunk = part.read(1 << 16)
            if not _looks_like_xml(chunk):
                return  # a picture or printer settings: openpyxl cannot parse it as XML either
            while chunk:
                deadline.check()
                parser.Parse(chunk, False)
                chunk = part.read(1 << 16)
            parser.Parse(b"", True)
    except (_Refused, _OutOfTime):
        raise
    except ExpatError as error:
        # Legacy VML drawings are loose XML that Office writes and openpyxl never parses; what expat read of
        # them before the error was counted like any part.
        if not info.filename.lower().endswith(".vml"):
            raise SpreadsheetError(f"文件中的“{info.filename[:80]}”不是格式正确的 XML（第 {error.lineno} 行），"
                                   "文件可能已损坏。" + RESAVE) from None
    except Exception as error:  # a damaged entry (bad CRC, bad header) is a refusal like any other
        raise _unreadable(error) from None


class _Refused(Exception):
    """Raised inside the expat handlers; the reason is turned into the Chinese message outside."""


def _refusal(reason: str, part: str, row_limit: int, limits: ReadLimits, element_limit: int) -> str:
    if reason == "DOCTYPE":
        return (f"文件中的“{part[:80]}”含有 XML 文档类型声明或实体（DOCTYPE/ENTITY），Excel 保存的表格不会含有这些内容，"
                "已拒绝读取。" + RESAVE)
    if reason == "rows":
        return _too_many_rows(row_limit)
    if reason == "cells":
        return f"文件中有一行超过 {limits.max_columns} 个单元格，已拒绝读取，未导入任何数据。请删除多余的列。"
    return (f"文件的 XML 内容过于庞杂（超过 {element_limit} 个元素），已拒绝读取，未导入任何数据。"
            "请删除多余的格式、工作表和空行后另存，或拆分为多个文件。")


def _looks_like_xml(head: bytes) -> bool:
    """Whether a parser could take this part for XML: '<' first after byte-order marks, white space and (in
    UTF-16) NULs, or nothing but those; anything else is a picture or binary printer settings."""
    rest = head.replace(b"\x00", b"").lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
    return not rest or rest[:1] == b"<"


# --- .csv ---------------------------------------------------------------------------------------------------

CSV_MAX_LINE_CHARS = 131_072  # the csv module's own field limit: a longer line is no import table


def _csv_rows(data: bytes, limits: ReadLimits):
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
    return _csv_records(text)


def _csv_records(text: str):
    reader = csv.reader(_bounded_lines(io.StringIO(text, newline="")))
    try:
        yield from reader
    except csv.Error:
        raise SpreadsheetError(f"CSV 文件第 {reader.line_num} 行格式有误，无法读取。请用 Excel 另存为 CSV 后重试。") from None


def _bounded_lines(lines):
    """The lines of a CSV, none longer than CSV_MAX_LINE_CHARS: a 10 MB line of commas would otherwise be
    split into millions of cells before the first row reaches the checks."""
    for number, line in enumerate(lines, start=1):
        if len(line) > CSV_MAX_LINE_CHARS:
            raise SpreadsheetError(f"CSV 文件第 {number} 行超过 {CSV_MAX_LINE_CHARS} 个字符，不像是导入表，已拒绝读取。")
        yield line
