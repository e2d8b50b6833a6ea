"""A person who left a session open on another device finds it under 登录设备 and ends it; that device is
logged out at its next click."""
from playwright.sync_api import expect

from tests.browser.test_workstation_directory import login

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"


def test_an_agent_ends_the_session_left_open_on_a_phone(page, browser, live_server, users):
    phone = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 915}, locale="zh-CN",
                                user_agent=PHONE).new_page()
    login(phone, "agent")
    login(page, "agent")

    page.locator("details.dropdown summary").click()
    page.get_by_role("link", name="登录设备").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="当前设备")).to_have_count(1)
    other = rows.filter(has_text="Chrome（Android）")
    expect(other).to_have_count(1)
    other.get_by_role("button", name="结束此登录").click()
    expect(page.get_by_text("已结束该设备上的登录。")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(1)

    phone.goto("/projects/")                                        # the phone's next page
    expect(phone).to_have_url(f"{live_server}/auth/login?next=%2Fprojects%2F")
    expect(phone.get_by_text("请先登录。")).to_be_visible()
    phone.context.close()
