"""360 安全浏览器 v12 (Chromium 78) cannot parse htmx 2 (it uses ?.), so there the portal runs without
JavaScript: the key pages work with JavaScript off — the login, the directory's filters and a seat request
from filing to acceptance — because every form has a real action and every filter is a GET form."""
from playwright.sync_api import expect

from portal.experts.services import load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login


def without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  java_script_enabled=False)
    return context, context.new_page()


def test_login_and_logout_without_javascript(browser, live_server, users):
    context, page = without_javascript(browser, live_server)
    page.goto("/auth/login")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("用户名或密码不正确")).to_be_visible()
    login(page, "agent")
    page.locator("details.dropdown > summary").click()   # <details> opens without JavaScript
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    context.close()


def test_directory_filters_and_pages_without_javascript(browser, live_server, users, orgs):
    venue = factories.make_venue(orgs.center(factories.JILIN_CITY))
    for i in range(1, 8):
        factories.make_workstation(venue, f"JL-{i:02d}", cross_province=i <= 3)
    db.session.commit()
    context, page = without_javascript(browser, live_server)
    login(page, "agent")
    page.goto("/workstations/")
    table = page.locator("#ws-table tbody")
    expect(table.locator("tr")).to_have_count(7)
    page.get_by_label("能力").select_option("cross")
    page.get_by_label("搜索").fill("JL-0")
    page.get_by_role("button", name="筛选").click()
    assert "capability=cross" in page.url
    expect(table.locator("tr")).to_have_count(3)
    expect(table).not_to_contain_text("JL-04")
    context.close()


def test_a_seat_request_is_filed_and_accepted_without_javascript(browser, live_server, users, orgs):
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=factories.working_day(10))
    venue = factories.make_venue(orgs.center(factories.JILIN_CITY))
    for i in range(1, 5):
        factories.make_workstation(venue, f"JL-{i:02d}")
    factories.stock_pool(orgs.region("jilin"))   # a guest pool with enough experts for the seats
    db.session.commit()

    context, agent = without_javascript(browser, live_server)
    login(agent, "agent")
    agent.goto(f"/projects/sections/{section.id}")
    agent.get_by_role("link", name="申请客场机位").click()
    agent.get_by_label("第 1 个客场交易中心").select_option(label=factories.JILIN_CITY)
    agent.get_by_role("button", name="提交申请").click()          # no seats: refused, the form comes back
    expect(agent.locator(".field-error").first).to_be_visible()
    agent.get_by_label("第 1 个客场的机位数").fill("2")
    agent.get_by_role("button", name="提交申请").click()
    expect(agent.locator("#request-status")).to_contain_text("待客场确认")
    number = agent.get_by_role("heading", level=1).inner_text().split()[-1]
    context.close()

    context, staff = without_javascript(browser, live_server)
    login(staff, "staff-jilin")
    staff.goto("/bookings/inbox")
    staff.get_by_role("link", name=number).click()
    staff.get_by_role("link", name="受理：分配工位").click()
    expect(staff.locator("input[name=workstation_ids]:checked")).to_have_count(2)
    staff.get_by_role("button", name="接受并分配所选工位").click()
    expect(staff.locator("#request-status")).to_contain_text("已接受")
    context.close()
