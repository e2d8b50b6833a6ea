"""Partners page, pairings, joint testing, export; the demo data against seed 004's attachment."""
import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEntry
from portal.demo import load_joint_tests, load_pairings
from portal.extensions import db
from portal.orgs.models import Province, TradingCenter
from portal.partners import services
from portal.partners.models import JointTestEvent, Pairing, PairingPartner
from tests import factories

# The attachment of the Hubei plan (seed 004: 实施单位、合作援助单位、对口合作对象名单), transcribed as printed.
SEED = Path(__file__).resolve().parents[1] / "data" / "hubei_plan_attachment.txt"


def parse_seed_attachment(text: str):
    """(implementing units, partner units, {implementing: [partners]}) as seed 004's attachment lists them."""
    body = re.sub(r"\s+", "", text.split("实施单位、合作援助单位、对口合作对象名单")[-1])
    implementing_part = body.split("一、实施单位")[1].split("二、合作援助单位")[0]
    partner_part = body.split("二、合作援助单位")[1].split("三、对口合作对象")[0]
    pairing_part = body.split("三、对口合作对象")[1]
    implementing = [m for m in re.split(r"\d+\.", implementing_part) if m]
    partner_part = re.sub(r"\d+\.(省级|地市级)交易中心\d+家", "", partner_part)
    partners = [m for m in re.split(r"（\d+）", partner_part) if m]
    pairings = {}
    for item in [m for m in re.split(r"(?:^|；)\d+\.", pairing_part) if m]:
        name, listed = item.rstrip("。；").split("对口：")
        pairings[name] = listed.split("、")
    return implementing, partners, pairings


@pytest.fixture
def demo_pairings(orgs):
    load_pairings()
    db.session.commit()
    return orgs


def stored_pairings():
    names = {}
    for center in db.session.scalars(select(TradingCenter)):
        names[center.id] = center
    pairings = db.session.scalars(select(Pairing).options(selectinload(Pairing.partners))
                                  .order_by(Pairing.id)).all()
    as_listed = lambda c: c.alias or c.name  # noqa: E731 — the seed's own name for 吉林市
    return {names[p.implementing_center_id].name: [as_listed(names[x.partner_center_id]) for x in p.partners]
            for p in pairings}


def test_demo_data_reproduces_seed_004_attachment(demo_pairings):
    implementing, partners, pairings = parse_seed_attachment(SEED.read_text(encoding="utf-8"))
    assert len(implementing) == 4 and len(partners) == 20 and len(pairings) == 4
    stored = stored_pairings()
    assert stored == pairings  # every implementing unit, every partner, in the listed order
    assert list(stored) == implementing
    centers = {c.name for c in db.session.scalars(select(TradingCenter))} | {
        c.alias for c in db.session.scalars(select(TradingCenter)) if c.alias}
    assert set(partners) <= centers and set(implementing) <= centers
    assert sorted(p for listed in stored.values() for p in listed) == sorted(partners)


def test_demo_pairings_load_once(demo_pairings):
    assert load_pairings() == 0
    assert db.session.scalar(select(db.func.count()).select_from(PairingPartner)) == 20


def test_may_request_reads_the_stored_pairings(demo_pairings):
    huanggang = demo_pairings.center("黄冈市公共资源交易中心")
    jilin_city = demo_pairings.center(factories.JILIN_CITY)
    changchun = demo_pairings.center(factories.CHANGCHUN)
    assert services.may_request(huanggang.id, jilin_city.id, date(2026, 12, 1)).allowed
    assert not services.may_request(huanggang.id, jilin_city.id, date(2019, 12, 1)).allowed
    assert not services.may_request(changchun.id, huanggang.id, date(2026, 12, 1)).allowed
    assert services.may_request(changchun.id, jilin_city.id, date(2026, 12, 1)).allowed


def test_partners_page_shows_pairings_joint_tests_and_standing_venues(login_as, demo_pairings):
    load_joint_tests()
    db.session.commit()
    page = login_as("agent").get("/partners/").get_data(as_text=True)
    assert "湖北省公共资源交易中心（湖北省政府采购中心）" in page and "达州市公共资源交易服务中心" in page
    assert "常态化运行" in page and "联调测试中" in page
    assert "常态化保障跨省远程异地评标的副场" in page and "四平市公共资源交易中心" in page
    assert "新增对口合作" not in page  # read-only for agents


def pairing_form(orgs, **values):
    data = {"implementing_center_id": orgs.center(factories.CHANGCHUN).id,
            "partner_center_ids": [orgs.center("长沙公共资源交易中心").id, orgs.center("南京市公共资源交易中心").id],
            "start_date": "2026-12-01", "end_date": "", "basis": "吉湘合作协议", "notes": ""}
    data.update(values)
    return data


def test_province_admin_adds_a_pairing(login_as, orgs):
    client = login_as("province")
    response = client.post("/partners/pairings/new", data=pairing_form(orgs))
    assert response.status_code == 303
    assert stored_pairings() == {factories.CHANGCHUN: ["长沙公共资源交易中心", "南京市公共资源交易中心"]}
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="pairing")).one()
    assert entry.action == "create" and entry.after["start_date"] == "2026-12-01"
    changchun, changsha = orgs.center(factories.CHANGCHUN), orgs.center("长沙公共资源交易中心")
    assert services.may_request(changchun.id, changsha.id, date(2026, 12, 2)).allowed
    assert not services.may_request(changchun.id, changsha.id, date(2026, 11, 30)).allowed


def test_editing_a_pairing_keeps_reorders_and_drops_partners(login_as, orgs):
    client = login_as("province")
    client.post("/partners/pairings/new", data=pairing_form(orgs))
    pairing = db.session.scalars(select(Pairing)).one()
    nanjing, changsha = orgs.center("南京市公共资源交易中心").id, orgs.center("长沙公共资源交易中心").id
    zibo = orgs.center("淄博市公共资源交易中心").id
    response = client.post(f"/partners/pairings/{pairing.id}/edit",
                           data=pairing_form(orgs, partner_center_ids=[nanjing, zibo]))
    assert response.status_code == 303
    assert stored_pairings() == {factories.CHANGCHUN: ["南京市公共资源交易中心", "淄博市公共资源交易中心"]}
    entry = db.session.scalars(select(AuditEntry).filter_by(object_type="pairing", action="update")).one()
    assert entry.before["partner_center_ids"] == [changsha, nanjing]
    assert entry.after["partner_center_ids"] == [nanjing, zibo]


@pytest.mark.parametrize("values, message", [
    ({"partner_center_ids": []}, "请至少选择一个合作援助单位"),
    ({"start_date": ""}, "请填写开始日期"),
    ({"start_date": "2026-12-01", "end_date": "2026-11-01"}, "结束日期不能早于开始日期"),
    ({"partner_center_ids": ["JILIN_CITY"]}, "合作援助单位须为外省交易中心"),
])
def test_bad_pairings_are_refused_with_a_message(login_as, orgs, values, message):
    if values.get("partner_center_ids") == ["JILIN_CITY"]:
        values = {"partner_center_ids": [orgs.center(factories.JILIN_CITY).id]}
    page = login_as("province").post("/partners/pairings/new", data=pairing_form(orgs, **values)).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(db.func.count()).select_from(Pairing)) == 0


def test_ending_a_pairing_keeps_it_on_record(login_as, demo_pairings):
    pairing = db.session.scalars(select(Pairing).order_by(Pairing.id)).first()
    client = login_as("province")
    assert client.post(f"/partners/pairings/{pairing.id}/end", data={"end_date": "2026-12-31"}).status_code == 303
    db.session.refresh(pairing)
    assert pairing.end_date == date(2026, 12, 31)
    page = client.get("/partners/").get_data(as_text=True)
    assert "已于 2026-12-31 结束" in page
    current = client.get("/partners/?ended=0").get_data(as_text=True)
    assert "湖北省政府采购中心）</strong>" in current  # still in force today (2026-11-21)


def test_joint_testing_timeline(login_as, orgs):
    liaoning = db.session.scalars(select(Province).filter_by(name="辽宁省")).one()
    client = login_as("province")
    response = client.post(f"/partners/joint-tests/{liaoning.id}", data={
        "status": "testing", "event_date": "2026-10-20", "workstations": "SZX-A01、SZX-A02", "result": "音视频正常"})
    assert response.status_code == 303
    page = client.get(f"/partners/joint-tests/{liaoning.id}").get_data(as_text=True)
    assert "联调测试中" in page and "SZX-A01、SZX-A02" in page
    bad = client.post(f"/partners/joint-tests/{liaoning.id}", data={"status": "bogus", "event_date": "x"})
    assert "不是有效的选择" in bad.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(JointTestEvent)) == 1
    home = db.session.scalars(select(Province).filter_by(is_home=True)).one()
    assert client.get(f"/partners/joint-tests/{home.id}").status_code == 404


@pytest.mark.parametrize("username", ["changchun", "agent", "supervisor", "staff-jilin", "publicity", "jilin"])
def test_only_province_admins_edit_partners(login_as, demo_pairings, username):
    client = login_as(username)
    pairing = db.session.scalars(select(Pairing)).first()
    liaoning = db.session.scalars(select(Province).filter_by(name="辽宁省")).one()
    assert client.get("/partners/").status_code == 200
    assert client.get(f"/partners/joint-tests/{liaoning.id}").status_code == 200
    assert client.get("/partners/pairings/new").status_code == 403
    assert client.get(f"/partners/pairings/{pairing.id}/edit").status_code == 403
    assert client.post(f"/partners/pairings/{pairing.id}/end", data={"end_date": "2026-12-31"}).status_code == 403
    assert client.post(f"/partners/joint-tests/{liaoning.id}",
                       data={"status": "passed", "event_date": "2026-10-20"}).status_code == 403


def test_export_lists_every_partner_of_every_pairing(login_as, demo_pairings):
    response = login_as("agent").get("/partners/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("实施单位", "实施单位所在省份", "序号", "合作援助单位")
    assert len(rows) == 21
    assert rows[1][0] == "湖北省公共资源交易中心（湖北省政府采购中心）" and rows[1][3] == "湖南省公共资源交易中心"


def test_partners_page_query_count_is_flat(login_as, demo_pairings, count_queries):
    client = login_as("agent")
    client.get("/partners/")    # warm: the standing venues' counts are kept while workstations are unchanged
    with count_queries() as few:
        client.get("/partners/")
    for i in range(10):
        db.session.add(Pairing(implementing_center_id=demo_pairings.center(factories.CHANGCHUN).id,
                               start_date=date(2026, 1, i + 1), partners=[
                                   PairingPartner(partner_center_id=demo_pairings.center("淄博市公共资源交易中心").id)]))
    db.session.commit()
    with count_queries() as more:
        client.get("/partners/")
    assert len(few) == len(more) <= 8, more
