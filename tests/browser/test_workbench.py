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
