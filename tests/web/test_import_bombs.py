"""Issue 27: hostile spreadsheets sent to every import route are refused with a 422 and a Chinese reason, cheaply
(before openpyxl opens them, or after a bounded number of rows), and change nothing.

The bombs are built in tests/bombs.py. No test here is timed: what bounds the cost is asserted instead (openpyxl
never called, rows pulled from the reader); the times and memory measured by hand are in the README.
"""
import io

import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from portal import spreadsheets
from portal.audit.models import AuditEntry
from portal.experts.models import Expert
from portal.experts.rules import IMPORT_COLUMNS as EXPERT_COLUMNS
from portal.extensions import db
from portal.reports import rules as report_rules
from portal.reports.models import MonthlyReport
from portal.spreadsheets import ReadLimits
from portal.templating import china_today
from portal.workstations.models import Workstation
from portal.workstations.rules import IMPORT_COLUMNS as WORKSTATION_COLUMNS
from tests import bombs


def monthly_url():
    return f"/reports/monthly/{report_rules.month_key(report_rules.reporting_month(china_today()))}/changchun"


# route -> (form URL to reload, import URL, headers, the config key of its data rows or its own row limit)
ROUTES = {
    "workstations": (lambda: "/workstations/import", lambda: "/workstations/import",
                     tuple(h for _, h, _ in WORKSTATION_COLUMNS), "IMPORT_MAX_ROWS"),
    "experts": (lambda: "/experts/import", lambda: "/experts/import",
                tuple(h for _, h, _ in EXPERT_COLUMNS), "EXPERT_IMPORT_MAX_ROWS"),
    "monthly report": (monthly_url, lambda: monthly_url() + "/import", ("地区", "工程建设项目评标情况"), 200),
}


def too_many_rows(route) -> str:
    """The reason given for too many rows (the monthly report keeps its own words)."""
    return "文件超过 200 行" if route == "monthly report" else "行（空行也计算在内）"


def row_limit(app, route) -> int:
    """Rows the route's reader may pull, blank ones included."""
    rows = ROUTES[route][3]
    if isinstance(rows, int):   # the monthly report reads at most 200 rows, all counted
        return rows
    return ReadLimits.from_config(app.config).rows_read(app.config[rows])


def changed():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Workstation, Expert, MonthlyReport, AuditEntry)}


@pytest.fixture
def watched(monkeypatch):
    """Calls of openpyxl's load_workbook and rows pulled from the readers, as the import views make them."""
    seen = {"openpyxl": 0, "rows": 0}
    load = spreadsheets.load_workbook

    def recording(*args, **kwargs):
        seen["openpyxl"] += 1
        return load(*args, **kwargs)

    def counting(reader):
        def wrapped(*args, **kwargs):
            for row in reader(*args, **kwargs):
                seen["rows"] += 1
                yield row
        return wrapped

    monkeypatch.setattr(spreadsheets, "load_workbook", recording)
    monkeypatch.setattr(spreadsheets, "_xlsx_rows", counting(spreadsheets._xlsx_rows))
    monkeypatch.setattr(spreadsheets, "_csv_rows", counting(spreadsheets._csv_rows))
    return seen


def send(client, route, data: bytes, name: str):
    return client.post(ROUTES[route][1](), data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


# Bombs refused before openpyxl is called: (builder(headers, the route's row limit), reason shown)
ARCHIVE_BOMBS = {
    "3 million blank inline-string rows (440 KB)": (lambda h, limit: bombs.blank_inline_rows(h), "超过 32 MB 的上限"),
    "4 million <row/> (49 KB)": (lambda h, limit: bombs.empty_rows(h), "倍的上限（压缩炸弹"),
    "a 300 MB shared string (311 KB)": (lambda h, limit: bombs.huge_shared_string(h), "sharedStrings.xml”解压后有 300 MB"),
    "billion laughs in sheet1.xml": (lambda h, limit: bombs.entity_sheet(h, "laughs"), "DOCTYPE/ENTITY"),
    "an external entity in sheet1.xml": (lambda h, limit: bombs.entity_sheet(h, "external"), "DOCTYPE/ENTITY"),
    # The monthly report takes 2 MB at most: 15,000 entries fit, 100,000 do not.
    "100,000 zip entries": (lambda h, limit: bombs.many_entries(h, 15_000 if limit == 200 else 100_000),
                            "压缩条目过多"),
    "rows that compress like data": (lambda h, limit: bombs.numbered_rows(h, limit + 10), None),
}


@pytest.mark.parametrize("bomb", ARCHIVE_BOMBS)
@pytest.mark.parametrize("route", ROUTES)
def test_an_xlsx_bomb_is_refused_before_openpyxl_opens_it(app, login_as, watched, route, bomb):
    client = login_as("changchun")
    build, reason = ARCHIVE_BOMBS[bomb]
    reason = reason or too_many_rows(route)
    before = changed()
    response = send(client, route, build(ROUTES[route][2], row_limit(app, route)), "导入.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and reason in page and "Traceback" not in page
    assert watched == {"openpyxl": 0, "rows": 0}
    assert changed() == before
    assert client.get(ROUTES[route][0]()).status_code == 200   # the form's page reloads


@pytest.mark.parametrize("route", ROUTES)
def test_a_row_numbered_one_million_is_read_only_up_to_the_row_limit(app, login_as, watched, route):
    """The probe's other shape: openpyxl yields an empty row for every row number skipped."""
    client = login_as("changchun")
    before = changed()
    response = send(client, route, bombs.far_row(ROUTES[route][2]), "导入.xlsx")
    assert response.status_code == 422 and too_many_rows(route) in response.get_data(as_text=True)
    assert watched["openpyxl"] == 1 and watched["rows"] == row_limit(app, route) + 1
    assert changed() == before


CSV_BOMBS = {
    "a million blank lines": (lambda h: ",".join(h).encode() + b"\n" * 1_000_000, None),
    "a 1.5 MB line": (lambda h: ",".join(h).encode() + b"\n" + b"x" * 1_500_000 + b"\n", "超过 131072 个字符"),
    "NUL bytes": (lambda h: ",".join(h).encode() + b"\n\x00\x00\n", "不是有效的 CSV"),
    "a field over the csv module's limit": (lambda h: ",".join(h).encode() + b'\n"' + b"x\n" * 70_000 + b'"\n',
                                            "格式有误"),
}


@pytest.mark.parametrize("bomb", CSV_BOMBS)
@pytest.mark.parametrize("route", ROUTES)
def test_a_csv_bomb_is_refused_after_a_bounded_read(app, login_as, watched, route, bomb):
    client = login_as("changchun")
    build, reason = CSV_BOMBS[bomb]
    reason = reason or too_many_rows(route)
    before = changed()
    response = send(client, route, build(ROUTES[route][2]), "导入.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and reason in page and "Traceback" not in page
    assert watched["rows"] <= row_limit(app, route) + 1
    assert changed() == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_read_over_its_deadline_is_refused(app, login_as, monkeypatch, route):
    """The deadline wired from the settings: set in the past, a genuine small file is refused."""
    monkeypatch.setitem(app.config, "IMPORT_SECONDS", -10)
    monkeypatch.setitem(app.config, "IMPORT_ROWS_PER_SECOND", 10**9)
    data = bombs.workbook(bombs.sheet(ROUTES[route][2], '<row r="2"><c r="A2" t="inlineStr"><is><t>长春地区</t></is>'
                                                          '</c></row>'))
    client = login_as("changchun")
    before = changed()
    response = send(client, route, data, "导入.xlsx")
    assert response.status_code == 422 and "读取文件超过 -10 秒仍未完成" in response.get_data(as_text=True)
    assert changed() == before


def test_blank_and_formatted_rows_after_the_data_still_import(login_as):
    """A template with a thousand formatted but empty rows below three workstations imports them."""
    headers = tuple(h for _, h, _ in WORKSTATION_COLUMNS)
    values = [["长春市公共资源交易中心", "第一评标区", f"CC-A0{n}", "是", "是", "是", "是", "可用", ""] for n in (1, 2, 3)]
    def cell(column, row, text):
        return f'<c r="{get_column_letter(column)}{row}" t="inlineStr"><is><t>{text}</t></is></c>'

    rows = "".join(f'<row r="{r}">' + "".join(cell(c, r, v) for c, v in enumerate(cells, start=1) if v) + "</row>"
                   for r, cells in enumerate(values, start=2))
    formatted = "".join(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/><c r="I{r}" s="1"/></row>'
                        for r in range(5, 1005))
    response = send(login_as("changchun"), "workstations", bombs.workbook(bombs.sheet(headers, rows + formatted)),
                    "工位.xlsx")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Workstation)) == 3
