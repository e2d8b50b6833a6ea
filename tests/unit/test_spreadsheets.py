"""Reading uploads and writing spreadsheets; hostile uploads refused before they cost (issue 27)."""
import io
import os
import subprocess
import sys
import tomllib
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from portal import spreadsheets
from portal.experts.rules import IMPORT_COLUMNS as EXPERT_COLUMNS
from portal.spreadsheets import ReadLimits, SpreadsheetError, check_archive, read_table
from portal.workbooks import set_text, workbook_with_table
from tests import bombs


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_rows_come_with_their_spreadsheet_row_numbers_and_blank_rows_are_skipped():
    data = xlsx_bytes([["工位编号", "备注"], ["A1", None], [None, None], ["A2", "x"]])
    headers, body = read_table("t.xlsx", data, 10)
    assert headers == ["工位编号", "备注"]
    assert body == [(2, ["A1", None]), (4, ["A2", "x"])]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_utf8_or_gbk_is_read(encoding):
    data = "交易中心,工位编号\n长春市公共资源交易中心,CC-01\n".encode(encoding)
    headers, body = read_table("t.csv", data, 10)
    assert headers == ["交易中心", "工位编号"]
    assert body == [(2, ["长春市公共资源交易中心", "CC-01"])]


@pytest.mark.parametrize("name, data, message", [
    ("t.xlsx", b"this is not a zip file", "文件不是有效的 .xlsx 文件"),
    ("t.xlsx", b"PK\x03\x04garbage", "文件不是有效的 .xlsx 文件"),
    ("t.xls", b"whatever", "只支持 .xlsx 或 .csv 文件"),
    ("t.csv", b"", "文件是空的"),
    ("t.csv", b"\xff\xfe\x00a\x00b", "CSV"),
])
def test_unreadable_files_get_a_chinese_message(name, data, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_table(name, data, 10)


def test_a_file_over_the_row_limit_is_refused_whole():
    data = ("h\n" + "".join(f"r{i}\n" for i in range(50_000))).encode()
    with pytest.raises(SpreadsheetError, match="超过 5000 行"):
        read_table("big.csv", data, 5000)


def test_text_that_looks_like_a_formula_stays_text():
    workbook = workbook_with_table("t", ["备注"], [["=HYPERLINK(\"http://x\")"], ["+1"], [3]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")
    assert sheet["A3"].data_type == "s"
    assert sheet["A4"].value == 3


def test_set_text_keeps_numbers_numeric():
    cell = Workbook().active["A1"]
    set_text(cell, 12)
    assert cell.value == 12 and cell.data_type == "n"


# --- hostile uploads: refused before they cost (issue 27) ------------------------------------------------

HEADERS = tuple(header for _, header, _ in EXPERT_COLUMNS)
EXPERT_ROWS = 20_000
LIMITS = ReadLimits()
ROW_LIMIT = LIMITS.rows_read(EXPERT_ROWS)


@pytest.fixture
def openpyxl_calls(monkeypatch):
    """Every call of load_workbook from the reader (recorded, not refused: the reader turns any exception of
    openpyxl into a refusal, so a failing stand-in would go unseen)."""
    calls = []
    real = spreadsheets.load_workbook

    def recording(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(spreadsheets, "load_workbook", recording)
    return calls


@pytest.fixture
def rows_pulled(monkeypatch):
    """How many rows the reader yielded, .xlsx or .csv."""
    pulled = []

    def counting(reader):
        def wrapped(*args, **kwargs):
            for row in reader(*args, **kwargs):
                pulled.append(1)
                yield row
        return wrapped

    monkeypatch.setattr(spreadsheets, "_xlsx_rows", counting(spreadsheets._xlsx_rows))
    monkeypatch.setattr(spreadsheets, "_csv_rows", counting(spreadsheets._csv_rows))
    return pulled


def genuine_rows(count, shared=False):
    """Rows as a 20,000-row expert import holds them: 9 columns, long employer names; inline strings as
    openpyxl (and so the portal's own template) writes them, or shared strings as Excel does."""
    for n in range(2, count + 2):
        values = [f"王建{n}", f"2201021980010{n:05d}", f"139{n:08d}", f"吉林省长春市市政工程设计研究院第{n % 300}分院（有限责任公司）",
                  "正高级工程师", "A0201、C02、B0301、D01、E0203", "全省共享", "在库", "长春地区"]
        if shared:
            cells = "".join(f'<c r="{get_column_letter(i)}{n}" t="s"><v>{(n * 9 + i) % 60000}</v></c>'
                            for i in range(1, 10))
        else:
            cells = "".join(f'<c r="{get_column_letter(i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                            for i, v in enumerate(values, start=1))
        yield f'<row r="{n}" spans="1:9">{cells}</row>'


def shared_strings(count):
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{bombs.MAIN}" count="{count}" uniqueCount="{count}">'
    for n in range(count):
        yield f"<si><t>吉林省长春市某某单位{n}</t></si>"
    yield "</sst>"


@pytest.mark.parametrize("shared", [False, True], ids=["as openpyxl writes it", "as Excel writes it"])
def test_a_genuine_20000_row_expert_workbook_passes_the_archive_check(shared):
    strings = shared_strings(60_000) if shared else (bombs.EMPTY_STRINGS,)
    data = bombs.workbook([bombs.SHEET_START, bombs.header_row(HEADERS), *genuine_rows(EXPERT_ROWS, shared),
                           bombs.SHEET_END], shared_strings=strings, level=6)
    check_archive(data, ROW_LIMIT)   # no refusal


@pytest.mark.parametrize("bomb, message", [
    (lambda: bombs.blank_inline_rows(HEADERS), "解压后有 137 MB，超过 32 MB 的上限"),
    (lambda: bombs.empty_rows(HEADERS), "倍的上限"),
    (lambda: bombs.numbered_rows(HEADERS, ROW_LIMIT + 10), f"文件超过 {ROW_LIMIT} 行（空行也计算在内）"),
    (lambda: bombs.huge_shared_string(HEADERS), "sharedStrings.xml”解压后有 300 MB"),
    (lambda: bombs.entity_sheet(HEADERS, "laughs"), "DOCTYPE/ENTITY"),
    (lambda: bombs.entity_sheet(HEADERS, "external"), "DOCTYPE/ENTITY"),
    (lambda: bombs.many_entries(HEADERS), "压缩条目过多（100006 个，上限 1000 个）"),
], ids=["3 million blank inline rows", "4 million <row/>", "rows that compress like data", "300 MB shared string",
        "billion laughs", "external entity", "100,000 entries"])
def test_a_bomb_is_refused_before_openpyxl_opens_it(bomb, message, openpyxl_calls, rows_pulled):
    with pytest.raises(SpreadsheetError, match=message):
        read_table("专家.xlsx", bomb(), EXPERT_ROWS)
    assert openpyxl_calls == [] and rows_pulled == []


def test_a_zip_directory_of_100000_entries_is_refused_before_zipfile_parses_it(monkeypatch):
    data = bombs.many_entries(HEADERS)

    def parse(*args, **kwargs):
        raise AssertionError("zipfile parsed the directory")

    monkeypatch.setattr(spreadsheets.zipfile, "ZipFile", parse)
    with pytest.raises(SpreadsheetError, match="压缩条目过多"):
        check_archive(data, ROW_LIMIT)


def test_a_refused_bomb_costs_no_memory_to_speak_of():
    data = bombs.huge_shared_string(HEADERS)   # 674 MB peak before the archive check
    tracemalloc.start()
    try:
        with pytest.raises(SpreadsheetError):
            read_table("专家.xlsx", data, EXPERT_ROWS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


def test_a_row_numbered_one_million_is_read_only_up_to_the_row_limit(openpyxl_calls, rows_pulled):
    with pytest.raises(SpreadsheetError, match=f"文件超过 {ROW_LIMIT} 行（空行也计算在内）"):
        read_table("专家.xlsx", bombs.far_row(HEADERS), EXPERT_ROWS)
    assert len(openpyxl_calls) == 1 and len(rows_pulled) == ROW_LIMIT + 1


def test_blank_rows_are_counted_up_to_the_limit_and_a_few_are_fine():
    limits = ReadLimits(row_factor=1, row_margin=6)   # 3 data rows: 9 rows read
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 5))
    blank = "".join(f'<row r="{n}"/>' for n in range(5, 10))
    data = bombs.workbook(bombs.sheet(HEADERS, rows + blank))
    headers, body = read_table("a.xlsx", data, 3, limits)   # the header, 3 rows and 5 blank rows
    assert [number for number, _ in body] == [2, 3, 4]
    data = bombs.workbook(bombs.sheet(HEADERS, rows + blank + '<row r="10"/>'))
    with pytest.raises(SpreadsheetError, match="文件超过 9 行（空行也计算在内）"):
        read_table("a.xlsx", data, 3, limits)


@pytest.mark.parametrize("rows_xml, limits, message", [
    ("<row>" + "<c/>" * 300 + "</row>", LIMITS, "一行超过 256 个单元格"),
    ('<row r="2"><c r="XFD2"><v>1</v></c></row>', LIMITS, "第 2 行超过 256 列"),
    ('<row r="2"><c r="A2" t="inlineStr"><is><t>' + "长" * 32_768 + "</t></is></c></row>", LIMITS, "超过 32767 个字符"),
    ("".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 200)),
     ReadLimits(elements_per_row=0, element_margin=100), "超过 100 个元素"),
], ids=["cells in one row", "a cell in column XFD", "a cell over Excel's limit", "elements"])
def test_rows_too_wide_or_too_rich_are_refused(rows_xml, limits, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_table("a.xlsx", bombs.workbook(bombs.sheet(HEADERS, rows_xml)), 1000, limits)


def test_a_dimension_claiming_the_whole_sheet_is_not_padded_to():
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{bombs.MAIN}"><dimension ref="A1:XFD1048576"/>'
           f'<sheetData>{bombs.header_row(HEADERS[:2])}<row r="2"><c r="A2"><v>7</v></c></row></sheetData></worksheet>')
    headers, body = read_table("a.xlsx", bombs.workbook([xml]), 10)
    assert headers == list(HEADERS[:2]) and body == [(2, [7])]


def test_a_shared_strings_part_over_its_own_limit_is_refused():
    data = bombs.huge_shared_string(HEADERS, megabytes=2)
    with pytest.raises(SpreadsheetError, match="共享字符串表（xl/sharedStrings.xml）解压后有 2 MB，超过 1 MB"):
        check_archive(data, ROW_LIMIT, ReadLimits(max_shared_strings_bytes=1024 * 1024, max_compression_ratio=10_000))


def _with_entry(name, data=b"x", compress_type=zipfile.ZIP_DEFLATED, flag_bits=0):
    buffer = io.BytesIO(bombs.workbook(bombs.sheet(HEADERS)))
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = compress_type
        archive.writestr(info, data)
        info.flag_bits |= flag_bits
    return buffer.getvalue()


@pytest.mark.parametrize("data, message", [
    (_with_entry("xl/embeddings/oleObject1.bin"), "嵌有其他文件或压缩包"),
    (_with_entry("xl/media/inner.zip"), "嵌有其他文件或压缩包"),
    (_with_entry("../../etc/cron.d/x"), "异常的条目"),
    (_with_entry("/etc/passwd"), "异常的条目"),
    (_with_entry("xl\\worksheets\\sheet1.xml"), "异常的条目"),
    (_with_entry("XL/workbook.xml"), "异常的条目"),   # the same name twice, as zip readers pick either
    (_with_entry("xl/printerSettings/x.bin", compress_type=zipfile.ZIP_BZIP2), "不用的压缩方式"),
    (_with_entry("xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row>"), "不是格式正确的 XML（第 1 行）"),
], ids=["embedded object", "nested zip", "climbing path", "absolute path", "backslashes", "duplicate name",
        "bzip2", "malformed XML part"])
def test_odd_entries_are_refused(data, message):
    with pytest.raises(SpreadsheetError, match=message):
        check_archive(data, ROW_LIMIT)


@pytest.mark.parametrize("encode", [
    lambda xml: b" " * 70_000 + xml.split("?>", 1)[1].encode(),
    lambda xml: xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
], ids=["70 KB of white space first", "UTF-16"])
def test_a_sheet_disguised_from_a_sniff_is_still_scanned(encode, openpyxl_calls):
    xml = zipfile.ZipFile(io.BytesIO(bombs.entity_sheet(HEADERS, "laughs"))).read("xl/worksheets/sheet1.xml").decode()
    with pytest.raises(SpreadsheetError, match="sheet1.xml”含有 XML 文档类型声明"):
        read_table("a.xlsx", bombs.workbook([encode(xml)]), 10)
    assert openpyxl_calls == []


def test_pictures_printer_settings_and_loose_vml_pass():
    buffer = io.BytesIO(bombs.workbook(bombs.sheet(HEADERS)))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
        archive.writestr("xl/printerSettings/printerSettings1.bin", "HP LaserJet".encode("utf-16-le") + bytes(200))
        archive.writestr("xl/drawings/vmlDrawing1.vml", b"<xml><v:shape><br></v:shape></xml>")
    check_archive(buffer.getvalue(), ROW_LIMIT)


def test_any_parse_failure_of_openpyxl_is_a_refusal():
    # No sheet, no shared strings, a cell pointing past the shared strings, garbage where a boolean belongs.
    no_sheet = _without_entry(bombs.workbook(bombs.sheet(HEADERS)), "xl/worksheets/sheet1.xml")
    bad_index = bombs.workbook(bombs.sheet(HEADERS, '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'))
    bad_number = bombs.workbook(bombs.sheet(HEADERS, '<row r="2"><c r="A2" t="b"><v>x</v></c></row>'))
    no_strings = _without_entry(bombs.workbook(bombs.sheet(HEADERS)), "xl/sharedStrings.xml")
    for data, message in ((no_sheet, "没有工作表"), (no_strings, "缺少工作簿的组成部分"),
                          (bad_index, "文件不是有效的 .xlsx 文件"),
                          (bad_number, "文件不是有效的 .xlsx 文件")):
        with pytest.raises(SpreadsheetError, match=message):
            read_table("a.xlsx", data, 10)


def _without_entry(data, name):
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            if info.filename != name:
                archive.writestr(info, source.read(info))
    return buffer.getvalue()


def test_a_corrupt_entry_is_a_refusal():
    data = bytearray(bombs.workbook(bombs.sheet(HEADERS, '<row r="2"><c r="A2"><v>1</v></c></row>' * 50)))
    at = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml") + 20   # inside its data
    data[at:at + 8] = b"\x00" * 8
    with pytest.raises(SpreadsheetError):
        read_table("a.xlsx", bytes(data), 10)


def test_openpyxl_parses_with_defusedxml_which_is_a_runtime_dependency(monkeypatch):
    import defusedxml.ElementTree
    import openpyxl.xml.functions

    assert openpyxl.xml.functions.iterparse is defusedxml.ElementTree.iterparse
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    assert any(dependency.startswith("defusedxml") for dependency in project["dependencies"])
    # The second lock on its own: with the archive scan set aside, openpyxl (defusedxml) refuses the entity.
    monkeypatch.setattr(spreadsheets, "check_archive", lambda *args: None)
    with pytest.raises(SpreadsheetError, match="DOCTYPE/ENTITY"):
        read_table("a.xlsx", bombs.entity_sheet(HEADERS, "laughs"), 10)


def test_the_portal_does_not_load_when_openpyxl_would_parse_without_defusedxml():
    root = Path(__file__).parents[2]
    result = subprocess.run([sys.executable, "-c", "import portal.spreadsheets"], cwd=root, capture_output=True,
                            text=True, env={**os.environ, "OPENPYXL_DEFUSEDXML": "False"}, timeout=60)
    assert result.returncode != 0 and "openpyxl is not using defusedxml" in result.stderr


def test_the_deadline_stops_the_scan_openpyxl_and_the_rows(monkeypatch):
    data = xlsx_bytes([["工位编号"], ["A1"]])
    over = ReadLimits(seconds=-1, rows_per_second=10**9)
    with pytest.raises(SpreadsheetError, match="读取文件超过 -1 秒仍未完成"):
        read_table("t.xlsx", data, 10, over)
    # openpyxl's own reading goes through the deadline: it opens the file (and parses shared strings and,
    # without a <dimension>, the whole sheet) before the first row reaches the loop.
    with pytest.raises(spreadsheets._OutOfTime):
        load_workbook(spreadsheets._TimedSource(data, spreadsheets._Deadline(-1, 100)), read_only=True)
    monkeypatch.setattr(spreadsheets, "check_archive", lambda *args: None)
    with pytest.raises(SpreadsheetError, match="读取文件超过"):
        read_table("t.xlsx", data, 10, over)
    with pytest.raises(SpreadsheetError, match="读取文件超过"):
        read_table("t.csv", b"a\nb\n", 10, over)


def test_a_busy_machine_stops_a_read_at_the_wall_clock_ceiling():
    with pytest.raises(SpreadsheetError, match="服务器繁忙，读取文件超过 -1 秒仍未完成"):
        read_table("t.xlsx", xlsx_bytes([["工位编号"], ["A1"]]), 10, ReadLimits(wall_seconds=-1))


def test_limits_come_from_the_settings():
    limits = ReadLimits.from_config({"IMPORT_MAX_ENTRIES": 5, "IMPORT_SECONDS": 1.5, "IMPORT_MAX_ROWS": 3})
    assert limits.max_entries == 5 and limits.seconds == 1.5 and limits.row_factor == ReadLimits().row_factor


# --- CSV ---------------------------------------------------------------------------------------------------

def test_a_million_blank_csv_lines_are_read_only_up_to_the_row_limit(rows_pulled):
    with pytest.raises(SpreadsheetError, match=f"文件超过 {ROW_LIMIT} 行（空行也计算在内）"):
        read_table("专家.csv", ",".join(HEADERS).encode() + b"\n" * 1_000_000, EXPERT_ROWS)
    assert len(rows_pulled) == ROW_LIMIT + 1


@pytest.mark.parametrize("data, message", [
    (b"h\n" + b"," * 9_000_000 + b"\n", "第 2 行超过 131072 个字符"),
    (b"h\n" + b"x" * 9_000_000, "第 2 行超过 131072 个字符"),
    (b"h\n" + b'"' + b"x" * 100_000 + b"\n" + b"x" * 100_000 + b'"\n', "格式有误"),   # one field over 128 KB
    (b"h\na\x00b\n", "不是有效的 CSV"),
    (b"h\n" + ("长" * 40_000).encode() + b"\n", "超过 32767 个字符"),
    (b"h\n" + b",".join([b"x"] * 300) + b"\n", "第 2 行超过 256 列"),
    (b"x" * (10 * 1024 * 1024 + 1), "文件超过 10 MB 的上限"),
], ids=["a line of commas", "one huge line", "a huge quoted field", "NUL", "a cell over Excel's limit",
        "300 columns", "over 10 MB"])
def test_hostile_csv_is_refused(data, message, rows_pulled):
    with pytest.raises(SpreadsheetError, match=message):
        read_table("t.csv", data, 100)
    assert len(rows_pulled) <= 2


def test_csv_with_old_mac_line_ends_is_read():
    assert read_table("t.csv", "工位编号\rA1\rA2\r".encode(), 10) == (["工位编号"], [(2, ["A1"]), (3, ["A2"])])
