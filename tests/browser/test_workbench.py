"""Center staff open their workbench (工作台), see the request waiting for them, and go straight to answer it."""
import re

from playwright.sync_api import expect

from portal.experts.services import load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login


def test_staff_sees_the_waiting_request_on_its_workbench_and_clicks_through_to_answer(page, orgs, users):
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin = orgs.center(factories.JILIN_CITY)
    factories.make_workstation(factories.make_venue(jilin), "JL-01")
    req = factories.make_seat_request(section, jilin, users["agent"], seats=1, day=day)
    db.session.commit()

    login(page, "staff-jilin")
    inbox = page.locator("#card-inbox")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(inbox.locator(".workbench-count")).to_have_text("1")
    expect(inbox).to_contain_text(req.number)
    expect(inbox).to_contain_text("天后截止答复")

    # A second request arrives: the card counts it without a reload (the htmx poll).
    page.evaluate("window.__noReload = true")
    other = factories.make_section(project, orgs.center(factories.CHANGCHUN), code="02", evaluation_date=day)
    second = factories.make_seat_request(other, jilin, users["agent"], seats=1, day=day)
    db.session.commit()
    expect(inbox.locator(".workbench-count")).to_have_text("2", timeout=10_000)
    expect(page.locator("#card-inbox")).to_contain_text(second.number)
    assert page.evaluate("window.__noReload") is True

    page.locator("#card-inbox").get_by_role("link", name=req.number).click()
    expect(page).to_have_url(re.compile(rf"/bookings/{req.id}/answer$"))
    expect(page.get_by_role("heading", name=f"受理客场机位申请 {req.number}")).to_be_visible()
    expect(page.get_by_label("JL-01")).to_be_checked()


DEMO_PASSWORD = "demo-pass-2026"


def test_every_role_opens_its_workbench_and_acts_from_each_card(browser, live_server, app):
    """With the demo data, each demo account's 工作台 has its cards, and every card's link opens the page to act
    on (no error page); the agent goes from its card to the seat request form of a section still to request."""
    from portal.auth.models import ADMINISTRATION_ROLES
    from portal.demo import ACCOUNTS

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    # The business roles: the three administrators' home is their administration (and needs a second factor).
    for username in [account[0] for account in ACCOUNTS if account[2] not in ADMINISTRATION_ROLES]:
        context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.goto("/auth/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="工作台")).to_be_visible()
        cards = page.locator(".workbench-card")
        assert cards.count() >= 2, username
        links = [cards.nth(i).locator("h3 a").get_attribute("href") for i in range(cards.count())]
        for href in links:
            response = page.goto(href)
            assert response.status == 200, (username, href)
            assert "错误" not in page.title() and "出错" not in page.title(), (username, href)
        if username == "agent":
            page.goto("/")
            page.locator("#card-sections").get_by_role("link").nth(1).click()   # the first section on the card
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        context.close()
