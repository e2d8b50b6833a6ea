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


def test_a_booking_moves_by_a_change_request_old_seats_freed_new_ones_held(browser, live_server, users, orgs):
    """Issue 22, done when: a booked evaluation moves by a change request; the old seats are freed and the
    new ones held (the guest center's calendar on both days)."""
    from portal.bookings.services import answering
    from portal.calendar.services import load_calendar

    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    later = load_calendar().add_working_days(day, 1)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin = orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin)
    stations = [factories.make_workstation(venue, f"JL-{i:02d}") for i in range(1, 4)]
    factories.stock_pool(orgs.region("jilin"))
    req = factories.make_seat_request(section, jilin, users["agent"], seats=2, day=day)
    db.session.commit()
    answering.accept(req, req.version, [stations[0].id, stations[1].id], "")
    db.session.commit()
    number = req.number

    def new_page():
        return browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768},
                                   locale="zh-CN").new_page()

    agent = new_page()
    login(agent, "agent")
    agent.goto(f"/bookings/{req.id}")
    agent.get_by_role("link", name="申请场地变更（改日期、时间或机位数）").click()
    agent.get_by_label("变更后的评标日期").fill(later.isoformat())
    agent.get_by_label("变更原因").fill("开标推迟一个工作日")
    agent.get_by_role("button", name="提交场地变更").click()
    expect(agent.locator("#changes-title")).to_be_visible()
    expect(agent.get_by_text("客场接受变更前，原预订及其工位保持有效。")).to_be_visible()

    staff = new_page()
    login(staff, "staff-jilin")
    staff.goto(f"/bookings/calendar?view=day&date={day}")
    expect(staff.get_by_role("link", name=number)).to_have_count(2)   # still held on the old day: JL-01, JL-02
    staff.goto(f"/bookings/{req.id}")
    staff.get_by_role("link", name="答复场地变更").click()
    expect(staff.locator("input[name=workstation_ids]:checked")).to_have_count(2)
    staff.get_by_role("button", name="接受变更并分配所选工位").click()
    expect(staff.get_by_text("接受场地变更").first).to_be_visible()

    staff.goto(f"/bookings/calendar?view=day&date={day}")
    expect(staff.get_by_role("link", name=number)).to_have_count(0)   # the old seats are freed
    staff.goto(f"/bookings/calendar?view=day&date={later}")
    expect(staff.get_by_role("link", name=number)).to_have_count(2)   # the new ones held
    expect(staff.get_by_role("cell", name="JL-01")).to_be_visible()
