"""Inbound work in Chromium (跨省副场): 吉林市 staff register a request of 黄冈市 (seed 004's pairing), accept it,
record the committee, draw and sign in their guest experts, tick the checklist, record the end instruction, hand
the records over, record the payments; the province's monthly table and its .xlsx count it under 副场 with 湖北省
as the main venue's province."""
import io
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from portal.bookings.models import SeatRequest
from portal.experts.models import Specialty
from portal.extensions import db
from tests.browser.test_evaluation import _members, _sign_documents, _sign_in_everyone
from tests.browser.test_workstation_directory import login
from tests.web.test_inbound import TENDEREE, _china, hosted  # noqa: F401  (the fixture: 吉林市 ready to host)
from tests.browser.helpers import click_confirmed, pick_specialties


def test_jilin_hosts_a_huanggang_evaluation_from_request_to_report(browser, live_server, hosted, travel):  # noqa: F811
    day = hosted["day"]
    travel(_china(day, 9, 5))

    def new_page():
        return browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768},
                                   locale="zh-CN").new_page()

    page = new_page()
    login(page, "staff-jilin")
    page.goto("/bookings/")
    page.get_by_role("link", name="登记外省申请（跨省副场）").click()
    page.get_by_label("发来申请的外省主场交易中心").select_option(label="黄冈市公共资源交易中心（湖北省）")
    page.get_by_label("合作方申请编号").fill("HGYC-2026-118")
    page.get_by_label("主场联系人及电话").fill("黄冈市公共资源交易中心 王工 0713-8866001")
    page.get_by_label("项目名称").fill("黄冈市城区供水管网改造工程")
    page.get_by_label("项目编号").fill("HGZB-2026-0342")
    page.get_by_label("招标人").fill(TENDEREE)
    page.get_by_label("标段（包）名称").fill("供水管网改造施工一标段")
    page.get_by_label("标段（包）编号").fill("01")
    page.get_by_label("预算金额或合同估算价（万元）").fill("3200")
    page.get_by_label("评标日期").fill(day.isoformat())
    page.get_by_label("评标开始时间").fill("09:00")
    page.get_by_label("评标委员会人数").fill("7")
    page.get_by_label("本中心客场专家人数（机位数）").fill("2")
    a0201 = str(db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one())
    pick_specialties(page, "客场专家的专业条件（最多 5 个）", values=[a0201])
    page.get_by_role("button", name="登记申请").click()
    expect(page.locator(".flash-success")).to_contain_text("已登记客场机位申请")
    # Filed on the day itself: registered, with the late filing named for the host to weigh.
    expect(page.locator(".flash-warning")).to_contain_text("按本省规则")
    expect(page.locator("main")).to_contain_text("本中心作跨省副场")

    page.get_by_role("link", name="受理：分配工位").click()
    page.get_by_role("button", name="接受并分配所选工位").click()
    expect(page.locator("main")).to_contain_text("已接受")
    req = db.session.scalars(select(SeatRequest)).one()

    # The committee as 黄冈 fixed it: 4 experts drawn at the main venue, 2 here, 1 tenderee representative.
    page.goto(f"/evaluations/new?section={req.section_id}")
    page.get_by_label("评标委员会成员总数").fill("7")
    page.get_by_label("招标人代表人数").fill("1")
    page.locator("#need-main-0-specialty").select_option(value=a0201)
    page.locator("#need-main-0-count").fill("4")
    page.locator(f"#need-{req.id}-0-specialty").select_option(value=a0201)
    page.locator(f"#need-{req.id}-0-count").fill("2")
    page.get_by_role("button", name="保存评标委员会组成").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("供水管网改造施工一标段")
    expect(page.locator("#board")).to_contain_text("外省主场的专家由主场在其专家库中抽取")
    click_confirmed(page, page.get_by_role("button", name="随机抽取本场所专家（2 人）"))
    expect(page.locator("#board")).to_contain_text("专家 2/2 人")

    members = _members(False)
    _sign_in_everyone(page, members, hosted["stations"])
    _sign_documents(page, [m.seat_no for m in members])
    for item in ("专家抽取", "身份核验", "音视频连接", "食宿安排"):
        page.get_by_role("button", name=f"标记完成：{item}").click()
        expect(page.get_by_role("button", name=f"撤销：{item}")).to_be_visible()

    click_confirmed(page, page.get_by_role("button", name="登记主场已下达的评审结束指令"))
    expect(page.locator("#board")).to_contain_text("评审结束指令已于")

    page.reload()
    for kind, reference in (("评标活动见证记录", "移交单 HG-01"), ("评标专家考核记录", "移交单 HG-02"),
                            ("评标现场音视频资料", "快递 SF1234567890")):
        page.locator("#handover summary", has_text="登记资料移交").click()
        page.locator("#handover").get_by_label("资料").select_option(label=kind)
        page.locator("#handover").get_by_label("移交方式").select_option(value="physical")
        page.get_by_label("移交单号或介质编号").fill(reference)
        page.get_by_role("button", name="登记移交").click()
        expect(page.locator("#handover")).to_contain_text(reference)
    page.get_by_label("接收说明").fill("黄冈市已签收")
    page.get_by_role("button", name="确认接收").click()
    expect(page.locator("#handover")).to_contain_text("主场已确认接收")

    for _ in members:   # 吉林市's standard: 600 for up to 4 hours, and its meal fee of 60
        expect(page.locator("#fees")).to_contain_text("660.00")
        click_confirmed(page, page.locator("#fees").get_by_role("button", name="登记已支付").first)
        expect(page.locator(".flash-success")).to_contain_text("已登记支付")
    expect(page.locator("#fees").get_by_role("button", name="登记已支付")).to_have_count(0)

    province = new_page()
    login(province, "province")
    month = date(day.year, day.month, 1)
    province.goto(f"/reports/monthly/{month:%Y-%m}")
    row = province.get_by_role("row", name="吉林", exact=False).first
    expect(row).to_contain_text("湖北省")
    download = province.request.get(f"/reports/monthly/{month:%Y-%m}.xlsx")
    assert download.status == 200
    sheet = load_workbook(io.BytesIO(download.body())).active
    jilin = next(r for r in sheet.iter_rows(values_only=True) if r and any(str(v).startswith("吉林") for v in r if v))
    assert "湖北省" in [v for v in jilin if v is not None]
