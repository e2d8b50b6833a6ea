"""The expert pool through the Flask client: confidentiality, catalogue counts, records, transfers."""
import re

import pytest
from sqlalchemy import func, select, text

from portal.audit.models import AuditEntry
from portal.experts.models import Expert, ExpertSpecialty, Specialty
from portal.experts.rules import Status
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.conftest import counted_queries

NAME, PHONE = "司马测试", "13987654321"
ID_NUMBER = factories.valid_id_number(123)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture(autouse=True)
def tree(app):
    load_starter_specialties()
    db.session.commit()


@pytest.fixture
def expert(users, orgs):
    expert = factories.make_expert(orgs.region("changchun"), ID_NUMBER, name=NAME, phone=PHONE,
                                   codes=("A0201", "C03"))
    db.session.commit()
    return expert


def specialty_ids(*codes):
    return [str(db.session.scalars(select(Specialty.id).filter_by(code=c)).one()) for c in codes]


def expert_form(**changes):
    data = {"name": "王建国", "id_number": factories.valid_id_number(7), "phone": "13812345678",
            "employer": "长春某监理公司", "title": "高级工程师", "specialty_ids": specialty_ids("C03"),
            "share_scope": "province", "status": "active"}
    data.update(changes)
    return data


PAGES = ["/experts/", "/experts/?q=A02", "/experts/?scope=cross_province", "/experts/shortage",
         "/experts/shortage?format=xlsx", "/experts/specialties", "/experts/records", "/experts/records?q=司马",
         "/experts/records/{id}", "/experts/records/{id}/edit", "/audit/", "/projects/", "/"]


@pytest.mark.parametrize("username", ["agent", "jilin", "staff-changchun", "staff-jilin", "supervisor", "publicity"])
def test_no_page_shows_an_expert_to_someone_outside_the_owning_region(login_as, expert, username):
    client = login_as(username)
    secrets = [NAME, ID_NUMBER, ID_NUMBER[6:14], PHONE, PHONE[3:]]
    for template in PAGES:
        response = client.get(template.format(id=expert.id), headers={})
        body = response.get_data()
        for secret in secrets:
            assert secret.encode() not in body, (username, template, response.status_code)
        fragment = client.get(template.format(id=expert.id), headers={"HX-Request": "true"}).get_data()
        assert not any(secret.encode() in fragment for secret in secrets), (username, template)


def test_the_owning_region_and_provincial_admins_see_the_record(login_as, expert):
    for username in ("changchun", "province"):
        page = login_as(username).get(f"/experts/records/{expert.id}").get_data(as_text=True)
        assert NAME in page and ID_NUMBER in page and PHONE in page
    listing = login_as("changchun").get("/experts/records").get_data(as_text=True)
    assert NAME in listing and ID_NUMBER not in listing and "2201************" in listing
    assert PHONE not in listing and "139****4321" in listing


def test_a_view_from_outside_the_region_is_audited(login_as, expert):
    login_as("changchun").get(f"/experts/records/{expert.id}")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).filter_by(action="view")) == 0
    login_as("province").get(f"/experts/records/{expert.id}")
    entry = db.session.scalars(select(AuditEntry).filter_by(action="view")).one()
    assert entry.username == "province" and entry.object_id == expert.id
    assert NAME not in (entry.object_label + entry.summary)


def test_the_audit_log_never_holds_personal_fields(login_as, expert):
    login_as("changchun").post(f"/experts/records/{expert.id}/edit", data=expert_form(
        name=NAME, id_number=ID_NUMBER, phone="13700001111", specialty_ids=specialty_ids("A0201")))
    for entry in db.session.scalars(select(AuditEntry).filter_by(object_type="expert")):
        dump = f"{entry.object_label}{entry.summary}{entry.before}{entry.after}"
        assert NAME not in dump and ID_NUMBER not in dump and PHONE not in dump and "13700001111" not in dump
        assert "长春某设计院" not in dump and "长春某监理公司" not in dump   # employers neither


def direct_count(prefix, region_id=None, scopes=None):
    sql = ("SELECT COUNT(DISTINCT e.id) FROM experts e JOIN expert_specialties es ON es.expert_id = e.id "
           "JOIN specialties s ON s.id = es.specialty_id WHERE e.status = 'active' AND s.code LIKE :prefix")
    params = {"prefix": prefix + "%"}
    if scopes:
        sql += " AND e.share_scope IN (" + ", ".join(f"'{scope}'" for scope in scopes) + ")"
    if region_id:
        sql += " AND e.region_id = :region"
        params["region"] = region_id
    return db.session.execute(text(sql), params).scalar()


def test_catalogue_counts_equal_a_direct_count(login_as, orgs, users):
    from portal.demo import load_experts

    load_experts(200)
    db.session.commit()
    changchun = orgs.region("changchun")
    html = login_as("agent").get("/experts/").get_data(as_text=True)
    for code in ("A", "A02", "A0201", "B", "C03"):
        shown = int(re.search(rf'data-code="{code}">(\d+)<', html).group(1))
        assert shown == direct_count(code), code
        province, cross = map(int, re.search(
            rf'data-code="{code}">\d+</td>\s*<td class="num" data-scope="province">(\d+)</td>\s*'
            rf'<td class="num" data-scope="cross_province">(\d+)</td>', html).groups())
        assert province == direct_count(code, scopes=("province", "cross_province")), code
        assert cross == direct_count(code, scopes=("cross_province",)), code
    html = login_as("agent").get(f"/experts/?region={changchun.id}").get_data(as_text=True)
    for code in ("A", "A02", "C"):
        assert int(re.search(rf'data-code="{code}">(\d+)<', html).group(1)) == direct_count(code, changchun.id)


def test_an_expert_with_two_specialties_of_one_category_counts_once_in_it(login_as, orgs):
    factories.make_expert(orgs.region("changchun"), factories.valid_id_number(1), codes=("A0201", "A0301"))
    db.session.commit()
    html = login_as("agent").get("/experts/").get_data(as_text=True)
    assert 'data-code="A">1<' in html and 'data-code="A02">1<' in html and 'data-code="A03">1<' in html


def test_suspended_and_retired_experts_are_not_counted(login_as, orgs):
    factories.make_expert(orgs.region("changchun"), factories.valid_id_number(1), codes=("A0201",),
                          status="suspended", suspended_reason="考核")
    factories.make_expert(orgs.region("changchun"), factories.valid_id_number(2), codes=("A0201",), status="retired")
    db.session.commit()
    assert 'data-code="A0201">0<' in login_as("agent").get("/experts/").get_data(as_text=True)


def test_catalogue_query_count_is_flat(login_as, orgs):
    from portal.demo import load_experts

    client = login_as("agent")
    with counted_queries() as empty:
        client.get("/experts/")
    load_experts(150)
    db.session.commit()
    client = login_as("agent")    # a fresh session: no once-a-minute activity write in what is counted
    with counted_queries() as full:
        client.get("/experts/")
    with counted_queries() as again:
        client.get("/experts/")
    # user, regions, tree, version, three grouped counts; an unchanged pool: the counts come from memory
    assert len(empty) == len(full) <= 7, full
    assert len(again) == 4, again


def test_a_region_admin_registers_an_expert(login_as, orgs):
    response = login_as("changchun").post("/experts/records/new", data=expert_form(name="买买提•艾力"))
    assert response.status_code == 303
    expert = db.session.scalars(select(Expert)).one()
    assert expert.name == "买买提·艾力" and expert.region_id == orgs.region("changchun").id


def test_specialties_are_picked_from_grouped_checkboxes_not_a_ctrl_multi_select(login_as):
    client = login_as("changchun")
    page = client.get("/experts/records/new").get_data(as_text=True)
    assert "<select multiple" not in page and 'name="specialty_ids" multiple' not in page and "Ctrl" not in page
    assert '<fieldset class="specialty-picker" id="specialty_ids"' in page and 'data-specialty-picker' in page
    assert page.count('type="checkbox" name="specialty_ids"') == db.session.scalar(
        select(func.count()).select_from(Specialty).where(Specialty.active.is_(True))) == 32
    for legend in ("A 工程类", "B 货物类", "C 服务类"):                     # one fieldset per category
        assert f"<legend>{legend}</legend>" in page
    assert '<label for="specialty_ids-filter">查找专业</label>' in page   # the filter box (shown by app.js)
    # Re-shown after an error, the ticks are kept, and the count says how many.
    a0201, c03 = specialty_ids("A0201", "C03")
    refused = client.post("/experts/records/new", data=expert_form(phone="123", specialty_ids=[a0201, c03]))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "已选 2 个" in text
    for ticked in (a0201, c03):
        assert f'value="{ticked}" id="specialty_ids-{ticked}" checked' in text


@pytest.mark.parametrize("changes, field, message", [
    ({"id_number": factories.valid_id_number(7)[:-1] + "0"}, "id_number", "校验位不正确"),
    ({"id_number": "220102800101001"}, "id_number", "15 位旧身份证号码"),
    ({"name": "陳偉"}, "name", "繁体字"),
    ({"name": "Wang"}, "name", "只能由汉字组成"),
    ({"phone": "123"}, "phone", "电话号码格式不正确"),
    ({"codes": ("A0101", "A0102", "A0103", "A0104", "A0201", "A0202")}, "specialty_ids", "最多 5 个"),
    ({"codes": ()}, "specialty_ids", "至少选择一个"),
    ({"specialty_ids": ["99999"]}, "specialty_ids", ""),
    ({"status": "suspended", "suspended_reason": ""}, "suspended_reason", "请填写暂停原因"),
])
def test_bad_expert_input_is_refused_and_changes_nothing(login_as, changes, field, message):
    changes = dict(changes)
    if "codes" in changes:
        changes["specialty_ids"] = specialty_ids(*changes.pop("codes"))
    data = expert_form(**changes)
    response = login_as("changchun").post("/experts/records/new", data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True) and message in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Expert)) == 0
    assert db.session.scalar(select(func.count()).select_from(ExpertSpecialty)) == 0


def test_the_same_person_in_another_region_is_refused_unnamed_and_transferred_by_the_province(login_as, orgs, expert):
    jilin = login_as("jilin")
    response = jilin.post("/experts/records/new", data=expert_form(name=NAME, id_number=ID_NUMBER))
    assert response.status_code == 422 and "已在省内其他地区登记，请联系省级管理员办理转移" in text_of(response)
    assert "长春" not in text_of(response)           # where the person is registered is not told (issue 27)
    assert NAME in response.get_data(as_text=True)   # what jilin typed comes back, nothing more
    assert db.session.scalar(select(func.count()).select_from(Expert)) == 1
    province = login_as("province")
    response = province.post(f"/experts/records/{expert.id}/transfer",
                             data={"region_id": str(orgs.region("jilin").id), "reason": "工作调动"})
    assert response.status_code == 303
    assert jilin.get(f"/experts/records/{expert.id}").status_code == 200
    assert login_as("changchun").get(f"/experts/records/{expert.id}").status_code == 404
    entries = db.session.scalars(select(AuditEntry).filter_by(action="transfer")).all()
    assert {e.region_id for e in entries} == {orgs.region("changchun").id, orgs.region("jilin").id}
    assert {e.summary for e in entries} == {"工作调动"}


def test_specialty_tree_is_edited_by_provincial_admins(login_as):
    admin = login_as("province")
    assert admin.post("/experts/specialties", data={"code": "A0303", "name": "交通安全设施", "active": "y"}).status_code == 303
    for code, message in [("A0303", "已存在"), ("Z01", "上级代码 Z 不存在"), ("A3", "专业代码格式")]:
        response = admin.post("/experts/specialties", data={"code": code, "name": "某专业", "active": "y"})
        assert response.status_code == 422 and message in text_of(response), code
    assert "A0303 交通安全设施" in text_of(login_as("agent").get("/experts/"))


def test_shortage_against_minimums(login_as, orgs):
    factories.make_expert(orgs.region("changchun"), factories.valid_id_number(1), codes=("A0201",))
    db.session.commit()
    admin = login_as("province")
    specialty = db.session.scalars(select(Specialty).filter_by(code="A0201")).one()
    assert admin.post("/experts/shortage", data={"specialty_id": str(specialty.id), "minimum": "5"}).status_code == 303
    page = text_of(login_as("supervisor").get("/experts/shortage"))
    assert "A0201 道路桥梁 1 5 差 4 人" in page
    assert login_as("supervisor").post("/experts/shortage", data={"specialty_id": str(specialty.id),
                                                                   "minimum": "9"}).status_code == 403


# --- import and export --------------------------------------------------------------------------------------

import io  # noqa: E402

HEADER = "姓名,身份证号码,手机号码,工作单位,职称,评标专业代码,共享范围,状态,所属地区"


def csv_file(*rows, header=HEADER):
    return (io.BytesIO("\n".join([header, *rows]).encode("utf-8")), "专家.csv")


def row(serial, name="王测试", codes="A0201、C02", **overrides):
    cells = {"name": name, "id": factories.valid_id_number(serial, birth="19900101"), "phone": f"139{serial:08d}",
             "employer": "长春某院", "title": "工程师", "codes": codes, "scope": "全省共享", "status": "在库",
             "region": ""}
    cells.update(overrides)
    return ",".join(cells[k] for k in ("name", "id", "phone", "employer", "title", "codes", "scope", "status",
                                       "region"))


def upload(client, file, dry_run=False):
    data = {"file": file}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/experts/import", data=data, content_type="multipart/form-data")


def expert_count():
    return db.session.scalar(select(func.count()).select_from(Expert))


def test_import_reports_first_then_applies_all_rows_then_updates(login_as, orgs):
    client = login_as("changchun")
    rows = [row(n, name=name) for n, name in enumerate(["王一", "李二", "买买提·艾力"], start=1)]
    report = upload(client, csv_file(*rows), dry_run=True)
    assert "将新增 3 名，更新 0 名" in text_of(report) and expert_count() == 0
    done = upload(client, csv_file(*rows))
    assert "新增专家 3 名，更新 0 名" in text_of(done) and expert_count() == 3
    assert {e.region_id for e in db.session.scalars(select(Expert))} == {orgs.region("changchun").id}
    again = upload(client, csv_file(row(1, name="王一", codes="A0301"), row(4, name="赵四")), dry_run=True)
    assert "将新增 1 名，更新 1 名" in text_of(again)
    upload(client, csv_file(row(1, name="王一", codes="A0301"), row(4, name="赵四")))
    db.session.rollback()
    assert expert_count() == 4
    wang = db.session.scalars(select(Expert).filter_by(name="王一")).one()
    codes = db.session.execute(text("SELECT s.code FROM expert_specialties es JOIN specialties s ON s.id = es.specialty_id "
                                    "WHERE es.expert_id = :id"), {"id": wang.id}).scalars().all()
    assert codes == ["A0301"]
    entry = db.session.scalars(select(AuditEntry).filter_by(action="import").order_by(AuditEntry.id)).first()
    assert entry.summary == "新增 3 名，更新 0 名" and entry.region_id == orgs.region("changchun").id


@pytest.mark.parametrize("rows, message", [
    ([row(1, id=factories.valid_id_number(1, birth="19900101")[:-1] + "0")], "校验位不正确"),
    ([row(1, id="220102900101001")], "15 位旧身份证号码"),
    ([row(1), row(2, id=factories.valid_id_number(1, birth="19900101"))], "与第 2 行的身份证号码重复"),
    ([row(1, codes="A0201、Z99")], "专业代码 Z99 不存在"),
    ([row(1, codes="A0101、A0102、A0103、A0104、A0201、A0202")], "最多 5 个"),
    ([row(1, name="陳明")], "繁体字"),
    ([row(1, phone="0431-8888")], "手机号码应为 11 位"),
    ([row(1, scope="随便")], "共享范围应为"),
    ([row(1, region="吉林地区")], "只能导入本地区的专家"),
    ([row(1), row(2, name="")], "请填写姓名"),
])
def test_a_bad_row_stops_the_whole_import(login_as, rows, message):
    response = upload(login_as("changchun"), csv_file(*rows))
    assert "未导入任何数据" in text_of(response) and message in text_of(response)
    assert expert_count() == 0


def test_an_expert_of_another_region_is_refused_without_naming_the_region(login_as, expert):
    clash = row(1, id=ID_NUMBER, name=NAME)
    response = upload(login_as("jilin"), csv_file(clash))
    assert "已在省内其他地区登记，请联系省级管理员办理转移" in text_of(response) and expert_count() == 1
    assert "长春地区专家库" not in text_of(response)      # (the page's own hint names 长春地区 as an example)


def test_missing_columns_and_too_many_rows(app, login_as, monkeypatch):
    client = login_as("changchun")
    response = upload(client, csv_file(row(1), header="姓名,身份证号码"))
    assert "缺少列" in text_of(response) and expert_count() == 0
    monkeypatch.setitem(app.config, "EXPERT_IMPORT_MAX_ROWS", 3)
    response = upload(client, csv_file(*[row(n) for n in range(1, 6)]))
    assert "最多" in text_of(response) and expert_count() == 0


def test_a_provincial_admin_names_the_region(login_as, orgs):
    client = login_as("province")
    assert "请填写所属地区" in text_of(upload(client, csv_file(row(1))))
    upload(client, csv_file(row(1, region="吉林地区")))
    assert db.session.scalars(select(Expert)).one().region_id == orgs.region("jilin").id


def test_export_holds_only_the_regions_own_experts_and_is_audited(login_as, orgs, expert):
    factories.make_expert(orgs.region("jilin"), factories.valid_id_number(9), name="吉林专家")
    db.session.commit()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(login_as("jilin").get("/experts/records/export.xlsx").data))
    cells = [c.value for r in book.active.iter_rows() for c in r]
    assert "吉林专家" in cells and NAME not in cells and ID_NUMBER not in cells
    assert db.session.scalars(select(AuditEntry).filter_by(action="export")).one().username == "jilin"


def test_a_reimport_with_a_blank_status_keeps_a_suspension(login_as, orgs):
    client = login_as("changchun")
    upload(client, csv_file(row(1, name="王一")))
    expert = db.session.scalars(select(Expert)).one()
    expert.status, expert.suspended_reason = Status.SUSPENDED, "年度考核"
    db.session.commit()
    upload(client, csv_file(row(1, name="王一", status="", employer="新单位")))
    db.session.rollback()
    again = db.session.get(Expert, expert.id)
    assert again.status is Status.SUSPENDED and again.suspended_reason == "年度考核" and again.employer == "新单位"
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="expert", action="update")).one()
    assert entry.object_id == expert.id and "新单位" not in f"{entry.before}{entry.after}"


def test_the_csv_template_keeps_id_numbers_as_text_in_a_spreadsheet(login_as, tmp_path):
    from tests.office import office_opens_csv

    data = login_as("changchun").get("/experts/import/template.csv").data
    sheet = office_opens_csv(data, tmp_path, "template")
    headers = [c.value for c in sheet[1]]
    id_cell, phone_cell = sheet[2][headers.index("身份证号码")], sheet[2][headers.index("手机号码")]
    # Not 2.2010219800101E+17: the whole number, as text, so that saving the sheet back keeps it.
    assert id_cell.value == "220102198001010012" and id_cell.data_type == "s"
    assert phone_cell.value == "13912345678" and phone_cell.data_type == "s"


def test_an_id_number_written_as_text_formula_imports_as_the_number(login_as):
    client = login_as("changchun")
    number = factories.valid_id_number(7, birth="19850505")
    done = upload(client, csv_file(row(7, name="王七", id=f'"=""{number}"""')))
    assert "新增专家 1 名" in text_of(done)
    assert db.session.scalars(select(Expert.id_number).filter_by(name="王七")).one() == number
