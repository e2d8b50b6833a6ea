"""The workstation registry and the shared directory, through the Flask client."""
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.workstations.models import Venue, VenueStatus, Workstation, WorkstationStatus
from tests import factories


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def changchun_venue(orgs):
    venue = factories.make_venue(orgs.center(factories.CHANGCHUN))
    db.session.commit()
    return venue


@pytest.fixture
def jilin_workstation(orgs):
    venue = factories.make_venue(orgs.center(factories.JILIN_CITY), "远程评标区")
    workstation = factories.make_workstation(venue, "JL-A01", cross_province=True)
    db.session.commit()
    return workstation


def ws_form(venue, **values):
    data = {"venue_id": venue.id, "code": "cc-a01", "cross_province": "y", "has_av": "y",
            "status": "available", "notes": ""}
    data.update(values)
    return data


def test_prefecture_admin_registers_a_workstation_with_an_audit_entry(login_as, changchun_venue):
    client = login_as("changchun")
    response = client.post("/workstations/new", data=ws_form(changchun_venue))
    assert response.status_code == 303
    workstation = db.session.scalars(select(Workstation)).one()
    assert workstation.code == "CC-A01" and workstation.cross_province and workstation.has_av
    assert workstation.center_id == changchun_venue.center_id
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="workstation")).one()
    assert entry.action == "create" and entry.username == "changchun" and entry.before is None
    assert entry.after["code"] == "CC-A01" and entry.region_id == factories.OrgIndex().region("changchun").id


def test_an_edit_records_the_values_before_and_after(login_as, changchun_venue):
    workstation = factories.make_workstation(changchun_venue, "CC-A01")
    db.session.commit()
    client = login_as("changchun")
    response = client.post(f"/workstations/{workstation.id}/edit",
                           data=ws_form(changchun_venue, code="CC-A01", status="maintenance", cross_province=""))
    assert response.status_code == 303
    entry = db.session.scalars(select(AuditEntry).filter_by(action="update")).one()
    assert entry.before["status"] == "available" and entry.after["status"] == "maintenance"
    assert entry.before["cross_province"] is False and entry.after["cross_province"] is False
    assert ("status", "available", "maintenance") in entry.changes
    page = client.get(f"/workstations/{workstation.id}/edit").get_data(as_text=True)
    assert "变更记录" in page and "维护中" in page


def test_the_change_history_names_the_person_not_the_account(login_as, changchun_venue, users):
    workstation = factories.make_workstation(changchun_venue, "CC-A01")
    users["changchun"].display_name = "长春市管理员李工"
    db.session.commit()
    client = login_as("changchun")
    assert client.post(f"/workstations/{workstation.id}/edit",
                       data=ws_form(changchun_venue, code="CC-A01", status="maintenance")).status_code == 303
    page = client.get(f"/workstations/{workstation.id}/edit").get_data(as_text=True)
    history = page[page.index('id="history-title"'):]
    assert "<td>长春市管理员李工</td>" in history and "<td>changchun</td>" not in history
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00">', history)


@pytest.mark.parametrize("values, message", [
    ({"code": "CC A01"}, "工位编号不能包含空格"),
    ({"code": ""}, "请填写工位编号"),
    ({"code": "X" * 33}, "工位编号最多 32 个字符"),
    ({"notes": "备" * 201}, "备注最多 200 个字符"),
    ({"venue_id": ""}, "请填写评标场所"),
    ({"status": "retired"}, "不是有效的选择"),
])
def test_bad_input_gets_a_chinese_message_keeps_what_was_typed_and_writes_nothing(
        login_as, changchun_venue, values, message):
    client = login_as("changchun")
    response = client.post("/workstations/new", data=ws_form(changchun_venue, **{"notes": "三楼东侧", **values}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    if "notes" not in values:
        assert "三楼东侧" in page
    assert count(Workstation) == 0 and count(AuditEntry, object_type="workstation") == 0


def test_a_duplicate_code_in_the_same_center_is_refused(login_as, changchun_venue):
    factories.make_workstation(changchun_venue, "CC-A01")
    db.session.commit()
    page = login_as("changchun").post("/workstations/new", data=ws_form(changchun_venue, code="cc-a01")).get_data(as_text=True)
    assert "工位编号“CC-A01”在该交易中心已登记" in page
    assert count(Workstation) == 1


def test_the_database_refuses_a_duplicate_code_even_without_the_check(changchun_venue):
    from sqlalchemy.exc import IntegrityError

    factories.make_workstation(changchun_venue, "CC-A01")
    with pytest.raises(IntegrityError):
        factories.make_workstation(changchun_venue, "CC-A01")
    db.session.rollback()


def test_the_database_refuses_a_workstation_whose_center_is_not_its_venues(orgs, changchun_venue):
    from sqlalchemy.exc import IntegrityError

    other = orgs.center(factories.JILIN_CITY)
    db.session.add(Workstation(center_id=other.id, venue_id=changchun_venue.id, code="X1",
                               status=WorkstationStatus.AVAILABLE))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_code_with_a_space(changchun_venue):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        factories.make_workstation(changchun_venue, "A 1")
    db.session.rollback()


def test_a_venue_of_another_region_cannot_be_chosen(login_as, changchun_venue, jilin_workstation):
    client = login_as("changchun")
    response = client.post("/workstations/new", data=ws_form(changchun_venue, venue_id=jilin_workstation.venue_id))
    assert "不是有效的选择" in response.get_data(as_text=True)
    assert count(Workstation) == 1


@pytest.mark.parametrize("method, path", [
    ("get", "/workstations/{id}/edit"), ("post", "/workstations/{id}/edit"),
    ("get", "/workstations/{id}/retire"), ("post", "/workstations/{id}/retire"),
    ("post", "/workstations/{id}/restore"),
])
def test_another_regions_workstation_is_not_found(login_as, jilin_workstation, method, path):
    client = login_as("changchun")
    response = getattr(client, method)(path.format(id=jilin_workstation.id), data={"reason": "x"})
    assert response.status_code == 404
    assert "JL-A01" not in response.get_data(as_text=True)
    db.session.refresh(jilin_workstation)
    assert jilin_workstation.status is WorkstationStatus.AVAILABLE


def test_retiring_keeps_the_workstation_and_its_history(login_as, changchun_venue):
    workstation = factories.make_workstation(changchun_venue, "CC-A01")
    db.session.commit()
    client = login_as("changchun")
    page = client.post(f"/workstations/{workstation.id}/retire", data={"reason": ""}).get_data(as_text=True)
    assert "请填写停用原因" in page
    assert client.post(f"/workstations/{workstation.id}/retire", data={"reason": "设备报废"}).status_code == 303
    db.session.refresh(workstation)
    assert workstation.status is WorkstationStatus.RETIRED and workstation.retire_reason == "设备报废"
    assert workstation.retired_at is not None
    directory = client.get("/workstations/").get_data(as_text=True)
    assert "<code>CC-A01</code>" not in directory
    assert "<code>CC-A01</code>" in client.get("/workstations/?status=retired").get_data(as_text=True)
    # A retired code stays taken: history must keep pointing at one workstation.
    page = client.post("/workstations/new", data=ws_form(changchun_venue, code="CC-A01")).get_data(as_text=True)
    assert "已登记" in page
    assert client.post(f"/workstations/{workstation.id}/restore").status_code == 303
    db.session.refresh(workstation)
    assert workstation.status is WorkstationStatus.AVAILABLE
    actions = db.session.scalars(select(AuditEntry.action).filter_by(object_type="workstation")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["retire", "restore"]


def test_retiring_a_venue_retires_its_workstations(login_as, changchun_venue):
    for code in ("A1", "A2"):
        factories.make_workstation(changchun_venue, code)
    db.session.commit()
    client = login_as("changchun")
    assert client.post(f"/workstations/venues/{changchun_venue.id}/retire", data={"reason": "搬迁"}).status_code == 303
    db.session.refresh(changchun_venue)
    assert changchun_venue.status is VenueStatus.RETIRED
    assert count(Workstation, status=WorkstationStatus.RETIRED) == 2
    # With no venue in use left, registering a workstation starts with registering a venue.
    response = client.get("/workstations/new")
    assert response.status_code == 303 and response.headers["Location"] == "/workstations/venues/new"
    page = client.post("/workstations/new", data=ws_form(changchun_venue, code="A3"))
    assert page.status_code == 303 and count(Workstation) == 2


def test_venue_names_are_unique_per_center(login_as, orgs, changchun_venue):
    client = login_as("changchun")
    center = orgs.center(factories.CHANGCHUN)
    page = client.post("/workstations/venues/new", data={"center_id": center.id, "name": "第一评标区"}).get_data(as_text=True)
    assert "该交易中心已有同名的评标场所" in page
    assert client.post("/workstations/venues/new", data={"center_id": center.id, "name": "第二评标区"}).status_code == 303
    assert count(Venue) == 2


def test_a_prefecture_admin_cannot_create_a_venue_in_another_region(login_as, orgs):
    page = login_as("changchun").post("/workstations/venues/new", data={
        "center_id": orgs.center(factories.JILIN_CITY).id, "name": "x"}).get_data(as_text=True)
    assert "不是有效的选择" in page and count(Venue) == 0


# ---------------------------------------------------------------- directory


@pytest.fixture
def directory(orgs):
    cc = factories.make_venue(orgs.center(factories.CHANGCHUN))
    ys = factories.make_venue(orgs.center(factories.YUSHU), "评标室")
    jl = factories.make_venue(orgs.center(factories.JILIN_CITY), "远程评标区")
    factories.make_workstation(cc, "CC-A01", cross_province=True)
    factories.make_workstation(cc, "CC-A02", status=WorkstationStatus.MAINTENANCE)
    factories.make_workstation(ys, "YS-01")
    factories.make_workstation(jl, "JL-A01", cross_province=True)
    factories.make_workstation(jl, "JL-A02", status=WorkstationStatus.RETIRED)
    db.session.commit()
    return orgs


def codes_in(page: str) -> set[str]:
    return {code for code in ("CC-A01", "CC-A02", "YS-01", "JL-A01", "JL-A02") if f"<code>{code}</code>" in page}


@pytest.mark.parametrize("query, expected", [
    ("", {"CC-A01", "CC-A02", "YS-01", "JL-A01"}),
    ("status=all", {"CC-A01", "CC-A02", "YS-01", "JL-A01", "JL-A02"}),
    ("status=maintenance", {"CC-A02"}),
    ("capability=cross", {"CC-A01", "JL-A01"}),
    ("capability=local", {"CC-A02", "YS-01"}),
    ("q=ys", {"YS-01"}),
    ("q=远程", {"JL-A01"}),
    ("status=nonsense&capability=junk", {"CC-A01", "CC-A02", "YS-01", "JL-A01"}),
])
def test_directory_filters(login_as, directory, query, expected):
    page = login_as("agent").get("/workstations/?" + query).get_data(as_text=True)
    assert codes_in(page) == expected


def test_directory_filters_by_region_and_center(login_as, directory):
    client = login_as("agent")
    changchun = directory.region("changchun")
    assert codes_in(client.get(f"/workstations/?region={changchun.id}").get_data(as_text=True)) == {
        "CC-A01", "CC-A02", "YS-01"}
    yushu = directory.center(factories.YUSHU)
    assert codes_in(client.get(f"/workstations/?center={yushu.id}").get_data(as_text=True)) == {"YS-01"}


def test_directory_counts_by_region(login_as, directory):
    page = login_as("agent").get(f"/workstations/?region={directory.region('changchun').id}").get_data(as_text=True)
    # 长春: 2 in use, 1 cross-province, 1 available; 榆树: 1 in use, 1 available.
    assert "按交易中心汇总" in page
    totals = page.split('<tr class="total">')[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in totals.split("</td>")[2:6]] == ["3", "1", "2", "1"]
    assert '<td id="ws-center-total">2 个交易中心</td>' in totals


def test_the_province_total_counts_the_trading_centers(login_as, directory):
    page = login_as("agent").get("/workstations/").get_data(as_text=True)
    totals = page.split('<tr class="total">')[1].split("</tr>")[0]
    # 交易中心数: every center of the listed regions (a region's row counts its centers, with or without seats).
    rows = page.split('id="ws-counts"')[1].split("<tbody>")[1].split("</tbody>")[0]
    per_region = [int(row.split("</td>")[1].split(">")[-1]) for row in rows.split("<tr>")[1:]]
    assert f'<td id="ws-center-total">{sum(per_region)}</td>' in totals and sum(per_region) > 0


def test_an_htmx_filter_gets_the_fragment_and_a_vary_header(login_as, directory):
    response = login_as("agent").get("/workstations/?capability=cross", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in page and 'id="ws-table"' in page and codes_in(page) == {"CC-A01", "JL-A01"}
    boosted = login_as("agent").get("/workstations/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_directory_is_paginated_and_sorted(app, login_as, orgs):
    venue = factories.make_venue(orgs.center(factories.CHANGCHUN))
    factories.bulk_workstations(venue, 120)
    db.session.commit()
    client = login_as("agent")
    first = client.get("/workstations/?sort=code").get_data(as_text=True)
    assert "共 120 条" in first and "<code>W00000</code>" in first and "<code>W00050</code>" not in first
    third = client.get("/workstations/?sort=code&page=3").get_data(as_text=True)
    assert "<code>W00100</code>" in third and "<code>W00119</code>" in third
    desc = client.get("/workstations/?sort=-code").get_data(as_text=True)
    assert "<code>W00119</code>" in desc and "<code>W00000</code>" not in desc
    beyond = client.get("/workstations/?sort=code&page=99").get_data(as_text=True)
    assert "第 3/3 页" in beyond


def test_compliance_panel_shows_each_standing_secondary_venue_and_its_shortfall(login_as, orgs):
    province = factories.make_venue(orgs.center(factories.PROVINCE_CENTER))
    jilin = factories.make_venue(orgs.center(factories.JILIN_CITY))
    for i in range(10):
        factories.make_workstation(province, f"P{i}", cross_province=True)
    for i in range(8):
        factories.make_workstation(jilin, f"J{i}", cross_province=True)
    factories.make_workstation(jilin, "J8", cross_province=True, status=WorkstationStatus.RETIRED)
    factories.make_workstation(jilin, "J9", cross_province=False)
    db.session.commit()
    page = login_as("agent").get("/workstations/compliance").get_data(as_text=True)
    panels = {name: page.split(f"<h3>{name}</h3>")[1].split("</article>")[0] for name in (
        "吉林省公共资源交易中心", "长春市公共资源交易中心", "吉林市公共资源交易中心", "四平市公共资源交易中心")}
    assert "<strong>10</strong>" in panels["吉林省公共资源交易中心"] and "已达标" in panels["吉林省公共资源交易中心"]
    assert "<strong>8</strong>" in panels["吉林市公共资源交易中心"] and "差 2 个" in panels["吉林市公共资源交易中心"]
    assert "差 10 个" in panels["长春市公共资源交易中心"] and "差 10 个" in panels["四平市公共资源交易中心"]
    assert page.count("<article>") == 4


def test_export_follows_the_filters(login_as, directory):
    response = login_as("agent").get("/workstations/export.xlsx?capability=cross")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("地区/省份", "交易中心", "评标场所", "工位编号")
    assert sorted(r[3] for r in rows[1:]) == ["CC-A01", "JL-A01"]
    assert {r[4] for r in rows[1:]} == {"是"}


@pytest.mark.parametrize("filters", ["", "status=available", "capability=cross", "status=maintenance&capability=local",
                                     "status=available&capability=local&region={jilin}", "center={changchun}",
                                     "status=retired", "status=all&capability=cross"])
def test_directory_pages_in_place_order_match_the_full_sort(app, login_as, orgs, filters):
    """The default order reads only the centers a page needs (from the counts); page by page it lists exactly
    what sorting every workstation lists (the same filters with a search that matches every code)."""
    import re

    rng = __import__("random").Random(7)
    for name in (factories.PROVINCE_CENTER, factories.CHANGCHUN, factories.YUSHU, factories.JILIN_CITY):
        center = orgs.center(name)
        for venue_name in ("第二评标区", "第一评标区"):
            venue = factories.make_venue(center, venue_name)
            for k in range(rng.randint(0, 9)):
                status = rng.choice([WorkstationStatus.AVAILABLE] * 3 + [WorkstationStatus.MAINTENANCE,
                                                                          WorkstationStatus.RETIRED])
                factories.make_workstation(venue, f"{center.id}-{venue.id}-{k:02d}", cross_province=rng.random() < 0.4,
                                           status=status)
    db.session.commit()
    filters = filters.format(jilin=orgs.region("jilin").id, changchun=orgs.center(factories.CHANGCHUN).id)
    app.config["PAGE_SIZE"] = 7
    try:
        client = login_as("agent")

        def crawl(query):
            codes, number = [], 1
            while True:
                page = client.get(f"/workstations/?{query}&page={number}").get_data(as_text=True)
                table = page.split('id="ws-table"', 1)[1].split("</table>", 1)[0]
                codes += re.findall(r"<code>([^<]+)</code>", table)
                pages = int(re.search(r"第 \d+/(\d+) 页", page).group(1)) if "页" in page else 1
                if number >= pages:
                    return codes
                number += 1

        fast, sorted_all = crawl(filters), crawl(filters + "&q=-")
        assert fast == sorted_all and len(fast) == len(set(fast)) > 0
        # A page past the end shows the last page.
        beyond = client.get(f"/workstations/?{filters}&page=999").get_data(as_text=True)
        table = beyond.split('id="ws-table"', 1)[1].split("</table>", 1)[0]
        last = re.findall(r"<code>([^<]+)</code>", table)
        assert last and fast[-len(last):] == last
    finally:
        app.config["PAGE_SIZE"] = 50


def test_venues_are_listed_as_people_count_them(login_as, orgs):
    center = orgs.center(factories.CHANGCHUN)
    for name in ("第三评标区", "第一评标区", "第二评标区"):
        factories.make_workstation(factories.make_venue(center, name), f"CC-{name[1]}")
    db.session.commit()
    for url in ("/workstations/venues/", f"/workstations/?center={center.id}&sort=venue"):
        page = login_as("changchun").get(url).get_data(as_text=True)
        first, second, third = (page.index(name) for name in ("第一评标区", "第二评标区", "第三评标区"))
        assert first < second < third, url
