"""A person who left a session open on another device finds it under 登录设备 and ends it; on that device the
next thing done, even a filter typed on a page still open (htmx), leads to the login page and back."""
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_workstation_directory import login

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"


def test_an_agent_ends_the_session_left_open_on_a_phone(page, browser, live_server, users):
    context = browser.new_context(base_url=live_server, viewport={"width": 412, "height": 915}, locale="zh-CN",
                                  user_agent=PHONE)
    violations = []
    context.on("console", lambda message: violations.append(message.text)
               if "Content Security Policy" in message.text else None)
    try:
        phone = context.new_page()
        login(phone, "agent")
        phone.goto("/workstations/")                    # the directory stays open on the phone
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

        phone.get_by_label("搜索").fill("A0")          # htmx asks for the filtered list: the session is over
        expect(phone).to_have_url(f"{live_server}/auth/login?next=/workstations/")
        expect(phone.get_by_text("请先登录。")).to_be_visible()
        phone.get_by_label("用户名").fill("agent")
        phone.get_by_label("密码").fill(factories.PASSWORD)
        phone.get_by_role("button", name="登录").click()
        expect(phone).to_have_url(f"{live_server}/workstations/")     # back where the person was
    finally:
        context.close()
    assert violations == [], violations
