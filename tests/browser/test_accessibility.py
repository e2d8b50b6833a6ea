"""axe-core (Deque's engine, the one browser audits use) on every page a role reaches from its navigation,
with the demo data: no serious or critical violation of WCAG 2.1 A/AA."""
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal.auth.models import ADMINISTRATION_ROLES
from portal.demo import ACCOUNTS


AXE = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "demo-pass-2026"


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{AXE} is missing: run `npm ci --prefix tools` (tools/check-browser-floor.sh does)")
        pytest.skip("axe-core is not installed (npm ci --prefix tools)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def audit(page, axe_source: str) -> list[str]:
    """The serious and critical violations on the page as loaded, one line each."""
    page.evaluate(axe_source)
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))""")
    return result


def nav_pages(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("header nav a[href], main a[href]", "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or parts.path.endswith((".xlsx", ".csv", ".ics", ".xml")):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in paths and "logout" not in path:
            paths.append(path)
    return paths[:40]


# The business roles and a visitor. The three administrators log in with a second factor, which the browser
# here has no phone for; their pages are plain forms and tables walked by the access tests.
BUSINESS = [account[0] for account in ACCOUNTS if account[2] not in ADMINISTRATION_ROLES]


@pytest.mark.parametrize("username", BUSINESS + [None])
def test_no_serious_accessibility_violation_on_the_pages_of_each_role(browser, live_server, demo, axe_source,
                                                                       username):
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  bypass_csp=True)   # axe is injected as a script; CSP is tested elsewhere
    page = context.new_page()
    if username:
        page.goto("/auth/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto("/")
    found, audited = {}, 0
    for path in nav_pages(page, live_server):
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        violations = audit(page, axe_source)
        audited += 1
        if violations:
            found[path] = violations
    context.close()
    assert audited >= (8 if username else 3)   # the role's navigation and the start page's links were walked
    assert found == {}, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)


def _logged_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  bypass_csp=True)
    page = context.new_page()
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    return context, page


def test_the_specialty_picker_and_the_confirmation_box_have_no_serious_violation(browser, live_server, demo,
                                                                                 axe_source):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.projects.models import Section

    found = {}
    context, page = _logged_in(browser, live_server, "changchun")
    page.goto("/experts/records/new")
    page.get_by_label("查找专业").fill("道路")           # the picker filtered, a count shown
    page.locator("#specialty_ids").get_by_label("A0201 道路桥梁").check()
    found["expert form"] = audit(page, axe_source)
    # The report's confirmation box, as a browser without the dialog gets it.
    page.goto("/reports/monthly/")
    page.get_by_role("link", name="月调度", exact=True).click()
    submit = page.get_by_role("button", name="保存并报送省政数局")
    if submit.count():
        submit.evaluate("button => button.removeAttribute('data-confirm')")
        submit.click()
        page.locator("section.confirmation").wait_for()
        found["confirmation box"] = audit(page, axe_source)
    context.close()
    context, page = _logged_in(browser, live_server, "agent")
    section_id = db.session.scalars(select(Section.id).order_by(Section.id)).first()
    page.goto(f"/bookings/new?section={section_id}")
    page.locator("details.picker-details").first.locator("summary").click()
    found["seat request form"] = audit(page, axe_source)
    context.close()
    assert {k: v for k, v in found.items() if v} == {}
    assert "confirmation box" in found
