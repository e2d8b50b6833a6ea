"""The whole round trip: the agent files a request, the guest staff accept it with two workstations, the
agent's page turns to accepted by itself (htmx poll), and the guest center's .ics feed holds the booking."""
from icalendar import Calendar
from playwright.sync_api import expect

from portal.experts.services import load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login


def test_agent_files_guest_accepts_agent_sees_it_and_the_feed_holds_it(browser, live_server, users, orgs):
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin = orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin)
    for i in range(1, 5):
        factories.make_workstation(venue, f"JL-{i:02d}")
    jilin.meal_fee_yuan = 60
    factories.stock_pool(orgs.region("jilin"))   # a guest pool with enough experts for the seats
    db.session.commit()

    def new_page():
        return browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768},
                                   locale="zh-CN").new_page()

    agent = new_page()
    login(agent, "agent")
    agent.goto(f"/projects/sections/{section.id}")
    agent.get_by_role("link", name="申请客场机位").click()
    expect(agent.get_by_role("heading", name=f"申请客场机位：{section.name}")).to_be_visible()
    agent.evaluate("window.noReload = true")
    agent.get_by_label("第 1 个客场交易中心").select_option(label=factories.JILIN_CITY)
    agent.get_by_label("第 1 个客场的机位数").fill("2")
    agent.get_by_label("第 1 个客场的机位数").blur()
    row = agent.locator("#availability tr", has_text=factories.JILIN_CITY)
    expect(row).to_contain_text("4/4")           # swapped in by htmx as the form changed
    expect(row).to_contain_text("60.00 元/人")    # the meal fee, before filing
    assert agent.evaluate("window.noReload") is True
    agent.get_by_role("button", name="提交申请").click()
    expect(agent.locator("#request-status")).to_contain_text("待客场确认")
    number = agent.get_by_role("heading", level=1).inner_text().split()[-1]

    staff = new_page()
    login(staff, "staff-jilin")
    staff.get_by_role("link", name="客场机位").first.click()
    staff.get_by_role("link", name=number).click()
    staff.get_by_role("link", name="受理：分配工位").click()
    expect(staff.locator("input[name=workstation_ids]:checked")).to_have_count(2)
    staff.get_by_role("button", name="接受并分配所选工位").click()
    expect(staff.locator("#request-status")).to_contain_text("已接受")

    # The agent's page, left open, polls and redraws itself.
    expect(agent.locator("#request-status")).to_contain_text("已接受", timeout=15000)
    expect(agent.get_by_role("cell", name="JL-01")).to_be_visible()
    expect(agent.get_by_role("cell", name="JL-02")).to_be_visible()

    staff.goto("/bookings/feeds")
    staff.get_by_label("用途说明").fill("值班室日历")
    staff.get_by_role("button", name="生成订阅链接").click()
    url = staff.get_by_label("订阅链接").input_value()
    response = staff.request.get(url)
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.body()).walk("VEVENT")
    assert number in str(event["SUMMARY"]) and "JL-01" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART").date() == day
