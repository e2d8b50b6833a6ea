"""Reading uploads and writing spreadsheets."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from portal.spreadsheets import SpreadsheetError, read_table, set_text, workbook_with_table


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
