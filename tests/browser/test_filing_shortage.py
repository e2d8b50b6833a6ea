"""The dead end of issue 22 cannot be reached: a request to a guest center short of experts is refused on the
filing page, which names the centers that have enough; the agent files to one of them instead, and that
evaluation runs to its end."""
from datetime import datetime, time
from decimal import Decimal

from playwright.sync_api import expect

from portal.auth.models import Role
from portal.bookings.models import SeatRequest
from portal.clock import CHINA
from portal.experts.models import Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.browser.test_evaluation import _members, _sign_documents, _sign_in_everyone
from tests.browser.test_workstation_directory import login
from tests.browser.helpers import click_confirmed, pick_specialties

SIPING = "四平市公共资源交易中心"


def test_a_shortage_request_is_refused_then_filed_to_a_center_with_enough_experts(page, users, orgs):
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=factories.working_day(10))
    for name, prefix in ((factories.JILIN_CITY, "JL"), (SIPING, "SP")):
        venue = factories.make_venue(orgs.center(name))
        for i in range(1, 5):
            factories.make_workstation(venue, f"{prefix}-{i:02d}")
    factories.stock_pool(orgs.region("jilin"), count=3, codes=("A0201",))         # no 土建施工 at 吉林市
    for n in range(3):
        factories.make_expert(orgs.region("siping"), factories.valid_id_number(700 + n, prefix="220302"),
                              codes=("A0101",))
    db.session.commit()

    login(page, "agent")
    page.goto(f"/projects/sections/{section.id}")
    page.get_by_role("link", name="申请客场机位").click()
    page.get_by_label("第 1 个客场交易中心").select_option(label=factories.JILIN_CITY)
    page.get_by_label("第 1 个客场的机位数").fill("2")
    pick_specialties(page, "第 1 个客场的专业条件", "A0101 土建施工")
    # The table the agent sees while typing already says it (htmx swaps it in).
    expect(page.locator("#availability tr", has_text=factories.JILIN_CITY)).to_contain_text("A0101：0 人 不足")
    expect(page.locator("#availability tr", has_text=SIPING)).to_contain_text("A0101：3 人")
    page.get_by_role("button", name="提交申请").click()

    refusal = page.get_by_role("alert").filter(has_text="符合条件的专家不足")
    expect(refusal).to_contain_text(f"{factories.JILIN_CITY}符合条件的专家不足：“A0101 土建施工”只有 0 人")
    expect(refusal).to_contain_text(f"专家数量足够的交易中心：{SIPING}")

    page.get_by_label("第 1 个客场交易中心").select_option(label=SIPING)
    pick_specialties(page, "第 1 个客场的专业条件", "A0101 土建施工")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#request-status")).to_contain_text("待客场确认")
    expect(page.get_by_text(SIPING).first).to_be_visible()


def test_the_alternative_guest_center_is_walked_to_an_evaluation_that_ends(browser, live_server, users, orgs, travel):
    """Issue 22's dead end, off its path: the request to 吉林市 (no 土建施工 experts) is refused, the agent files to
    四平市 instead, 四平 accepts, and on the evaluation day both venues draw, sign in and sign, and the main venue's
    end instruction goes through (where the old path could never end)."""
    factories.load_thresholds()
    load_starter_specialties()
    when = factories.working_day(10)
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=when)
    siping = orgs.center(SIPING)
    factories.make_user("staff-siping", Role.CENTER_STAFF, orgs.region("siping"), siping)
    stations = {}
    for name, prefix in ((factories.JILIN_CITY, "JL"), (SIPING, "SP"), (factories.CHANGCHUN, "CC")):
        venue = factories.make_venue(orgs.center(name))
        stations[prefix] = [factories.make_workstation(venue, f"{prefix}-{i:02d}") for i in range(1, 4)]
    factories.stock_pool(orgs.region("jilin"), count=3, codes=("A0201",))            # no 土建施工 at 吉林市
    for n, name in enumerate(("四平专家甲", "四平专家乙", "四平专家丙")):
        factories.make_expert(orgs.region("siping"), factories.valid_id_number(700 + n, prefix="220302"),
                              name=name, codes=("A0101",))
    for n, name in enumerate(("长春专家甲", "长春专家乙", "长春专家丙", "长春专家丁")):
        factories.make_expert(orgs.region("changchun"), factories.valid_id_number(100 + n), name=name,
                              codes=("A0101",), employer="长春某设计院")
    for center in (orgs.center(factories.CHANGCHUN), siping):
        center.expert_fee_base_yuan, center.expert_fee_base_hours = Decimal(800), 4
        center.meal_fee_yuan = Decimal(50)
    db.session.commit()

    def new_page():
        return browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768},
                                   locale="zh-CN").new_page()

    agent = new_page()
    login(agent, "agent")
    agent.goto(f"/bookings/new?section={section.id}")
    agent.get_by_label("第 1 个客场交易中心").select_option(label=factories.JILIN_CITY)
    agent.get_by_label("第 1 个客场的机位数").fill("2")
    pick_specialties(agent, "第 1 个客场的专业条件", "A0101 土建施工")
    agent.get_by_role("button", name="提交申请").click()
    expect(agent.get_by_role("alert").filter(has_text="符合条件的专家不足")).to_contain_text(SIPING)
    agent.get_by_label("第 1 个客场交易中心").select_option(label=SIPING)
    pick_specialties(agent, "第 1 个客场的专业条件", "A0101 土建施工")
    agent.get_by_role("button", name="提交申请").click()
    expect(agent.locator("#request-status")).to_contain_text("待客场确认")
    number = agent.get_by_role("heading", level=1).inner_text().split()[-1]

    guest = new_page()
    login(guest, "staff-siping")
    guest.get_by_role("link", name="客场机位").first.click()
    guest.get_by_role("link", name=number).click()
    guest.get_by_role("link", name="受理：分配工位").click()
    guest.get_by_role("button", name="接受并分配所选工位").click()
    expect(guest.locator("#request-status")).to_contain_text("已接受")

    # The evaluation day, 09:30 China time (the live server runs in this process: its clock moves too).
    travel(datetime.combine(when, time(9, 30), tzinfo=CHINA))
    main = new_page()
    login(main, "staff-changchun")
    main.goto(f"/evaluations/new?section={section.id}")
    main.get_by_label("评标委员会成员总数").fill("5")
    main.get_by_label("招标人代表人数").fill("1")
    a0101 = str(db.session.scalars(db.select(Specialty.id).filter_by(code="A0101")).one())
    req_id = db.session.scalars(db.select(SeatRequest.id).filter_by(guest_center_id=siping.id)).one()
    main.locator("#need-main-0-specialty").select_option(value=a0101)
    main.locator("#need-main-0-count").fill("2")
    main.locator(f"#need-{req_id}-0-specialty").select_option(value=a0101)
    main.locator(f"#need-{req_id}-0-count").fill("2")
    main.get_by_role("button", name="保存评标委员会组成").click()
    click_confirmed(main, main.get_by_role("button", name="随机抽取本场所专家（2 人）"))
    expect(main.locator("#board")).to_contain_text("专家 2/2 人")

    guest = new_page()
    login(guest, "staff-siping")
    guest.goto(main.url)
    click_confirmed(guest, guest.get_by_role("button", name="随机抽取本场所专家（2 人）"))
    expect(guest.locator("#board")).to_contain_text("四平专家")

    _sign_in_everyone(main, _members(True), stations["CC"])
    _sign_in_everyone(guest, _members(False), stations["SP"])
    _sign_documents(main, [m.seat_no for m in _members(True)])
    _sign_documents(guest, [m.seat_no for m in _members(False)])
    main.reload()
    click_confirmed(main, main.get_by_role("button", name="下达评审结束指令"))
    expect(main.locator("#board")).to_contain_text("评审结束指令已于")
