"""Bulk import of workstations from .xlsx and .csv: all rows or none."""
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.workstations.models import Venue, Workstation, WorkstationStatus
from portal.workstations.rules import IMPORT_COLUMNS
from tests import factories

HEADERS = [header for _, header, _ in IMPORT_COLUMNS]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="gbk") -> bytes:
    lines = [",".join(HEADERS)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, data: bytes, name="工位.xlsx", **extra):
    return client.post("/workstations/import", data={"file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data")


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


ROWS = [
    ["长春市公共资源交易中心", "第一评标区", "CC-A01", "是", "是", "是", "是", "可用", ""],
    ["长春市公共资源交易中心", "第一评标区", "CC-A02", "否", "", "", "", "维护中", "待检修"],
    ["榆树市公共资源交易中心", "评标室", "YS-01", "否", "是", "否", "否", "", ""],
]


def test_an_xlsx_imports_every_row_and_creates_missing_venues(login_as, orgs):
    factories.make_venue(orgs.center(factories.CHANGCHUN), "第一评标区")
    db.session.commit()
    client = login_as("changchun")
    response = upload(client, xlsx(ROWS))
    assert response.status_code == 303
    assert count(Workstation) == 3 and count(Venue) == 2
    cc2 = db.session.scalars(select(Workstation).filter_by(code="CC-A02")).one()
    assert cc2.status is WorkstationStatus.MAINTENANCE and cc2.notes == "待检修" and cc2.has_av
    flashed = client.get("/workstations/").get_data(as_text=True)
    assert "已导入工位 3 个" in flashed and "新建评标场所 1 个（评标室）" in flashed
    entries = db.session.scalars(select(AuditEntry).filter_by(action="import")).all()
    assert sorted(e.after["rows"] for e in entries) == [1, 2]


def test_a_gbk_csv_saved_by_excel_imports(login_as):
    response = upload(login_as("changchun"), csv_bytes(ROWS, "gbk"), name="工位.csv")
    assert response.status_code == 303 and count(Workstation) == 3


def test_a_file_with_one_bad_row_imports_nothing_and_lists_each_error(login_as):
    rows = ROWS + [["吉林市公共资源交易中心", "远程评标区", "JL 1", "也许", "", "", "", "", ""]]
    response = upload(login_as("changchun"), xlsx(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422                 # refused: the page with every error, nothing imported
    assert "校验未通过：3 处错误，未导入任何数据" in page
    for text in ("<td>5</td><td>交易中心</td>", "不在您的管辖范围内", "<td>5</td><td>工位编号</td>", "不能包含空格",
                 "<td>5</td><td>支持跨省远程异地评标</td>", "无法识别“也许”"):
        assert text in page
    assert count(Workstation) == 0 and count(Venue) == 0 and count(AuditEntry, action="import") == 0


def test_a_code_already_registered_is_reported(login_as, orgs):
    factories.make_workstation(factories.make_venue(orgs.center(factories.CHANGCHUN)), "CC-A02")
    db.session.commit()
    page = upload(login_as("changchun"), xlsx(ROWS)).get_data(as_text=True)
    assert "工位编号“CC-A02”在该交易中心已登记" in page and count(Workstation) == 1


def test_dry_run_checks_without_writing(login_as):
    page = upload(login_as("changchun"), xlsx(ROWS), dry_run="y").get_data(as_text=True)
    assert "校验通过" in page and "共 3 行，全部有效" in page
    assert count(Workstation) == 0


def test_missing_columns_are_named(login_as):
    page = upload(login_as("changchun"), xlsx([["长春市公共资源交易中心", "A1"]], headers=["交易中心", "工位编号"])
                  ).get_data(as_text=True)
    assert "缺少列：评标场所、支持跨省远程异地评标" in page


@pytest.mark.parametrize("name, data, message", [
    ("工位.xlsx", b"%PDF-1.4 this is a pdf", "文件不是有效的 .xlsx 文件"),
    ("工位.pdf", b"%PDF-1.4", "只支持 .xlsx 或 .csv 文件"),
    ("工位.csv", ",".join(HEADERS).encode("utf-8"), "文件中没有数据行"),
])
def test_unreadable_files_are_refused_with_a_message(login_as, name, data, message):
    response = upload(login_as("changchun"), data, name=name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and "Traceback" not in page
    assert count(Workstation) == 0


def test_fifty_thousand_rows_are_refused_whole(login_as):
    rows = [["长春市公共资源交易中心", "第一评标区", f"W{i}", "否", "", "", "", "", ""] for i in range(50_000)]
    page = upload(login_as("changchun"), csv_bytes(rows, "utf-8"), name="big.csv").get_data(as_text=True)
    assert "文件超过 5000 行数据的上限，未导入任何数据" in page
    assert count(Workstation) == 0


def test_an_upload_over_the_size_limit_gets_a_chinese_413_page(app, login_as):
    client = login_as("changchun")
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, b"x" * (limit + 1), name="big.csv")
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)


def test_an_htmx_upload_gets_the_result_fragment(login_as):
    client = login_as("changchun")
    response = client.post("/workstations/import", data={"file": (io.BytesIO(xlsx(ROWS[:1])), "a.xlsx")},
                           content_type="multipart/form-data", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert "导入完成" in page and "已导入工位 <strong>1</strong> 个" in page


@pytest.mark.parametrize("path, mimetype", [
    ("/workstations/import/template.xlsx", "spreadsheetml.sheet"), ("/workstations/import/template.csv", "text/csv"),
])
def test_templates_have_the_chinese_headers(login_as, path, mimetype):
    response = login_as("changchun").get(path)
    assert response.status_code == 200 and mimetype in response.mimetype
    if path.endswith(".xlsx"):
        header = [c.value for c in load_workbook(io.BytesIO(response.data)).active[1]]
    else:
        header = response.data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == HEADERS


def test_the_template_itself_imports(login_as):
    client = login_as("changchun")
    template = client.get("/workstations/import/template.xlsx").data
    assert upload(client, template).status_code == 303
    assert db.session.scalars(select(Workstation.code)).all() == ["CC-A01"]
