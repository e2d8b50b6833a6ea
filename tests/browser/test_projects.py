"""An agent types the estimates of an EPC section and sees the decision and the deadline without a reload."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from portal.extensions import db
from portal.calendar.rules import filing_deadline
from portal.calendar.services import build_calendar
from tests import factories
from tests.browser.test_workstation_directory import login


def next_thursday_after(days: int) -> date:
    day = date.today() + timedelta(days=days)
    return day + timedelta((3 - day.weekday()) % 7)


def test_agent_sees_the_decision_and_the_deadline_appear_while_typing(page, users, orgs):
    factories.load_thresholds()
    db.session.commit()
    evaluation = next_thursday_after(21)
    expected_deadline = filing_deadline(build_calendar(), evaluation).latest_filing_date

    login(page, "agent")
    page.get_by_role("link", name="项目与标段").click()
    page.get_by_role("link", name="登记项目").first.click()
    page.get_by_label("项目编号").fill("JLZB-2026-0901")
    page.get_by_label("项目名称").fill("长春市某污水处理厂工程总承包")
    page.get_by_label(re.compile(r"^招标人")).fill("长春市水务集团")
    page.get_by_label("所属地区（行政监督）").select_option(label="长春地区")
    page.get_by_role("button", name="登记并添加标段").click()
    expect(page.get_by_role("heading", name="添加标段")).to_be_visible()

    page.evaluate("window.noReload = true")
    page.get_by_label("标段（包）编号").fill("01")
    page.get_by_label("标段（包）名称").fill("EPC 总承包")
    page.get_by_label(re.compile(r"^类别")).select_option("epc")
    page.get_by_label("主场交易中心").select_option(label=factories.CHANGCHUN)
    page.get_by_label("合同估算价（万元）").fill("900")
    expect(page.locator("#scope-level")).to_have_text("不强制采用远程异地评标")
    page.get_by_label("其中货物部分（万元）").fill("850")
    expect(page.locator("#scope-level")).to_have_text("原则上应采用远程异地评标")
    expect(page.locator("#scope-panel")).to_contain_text("总承包货物部分估算价 850 万元，达到")
    page.get_by_label("评标日期").fill(evaluation.isoformat())
    expect(page.locator("#deadline output")).to_have_text(expected_deadline.isoformat())
    page.get_by_label("资金预算（万元）").fill("１２３４")
    expect(page.locator("#scope-panel")).to_contain_text("不要使用全角数字")
    assert page.evaluate("window.noReload") is True   # all of it without leaving the page

    page.get_by_label("资金预算（万元）").fill("")
    page.get_by_role("button", name="保存标段").click()
    expect(page.get_by_text("标段已保存：原则上应采用远程异地评标。")).to_be_visible()
    expect(page.get_by_role("heading", name="EPC 总承包")).to_be_visible()


def test_the_calendar_answers_a_deadline_query_in_place(page, users):
    login(page, "staff-changchun")
    page.get_by_role("link", name="工作日").click()
    page.evaluate("window.noReload = true")
    page.get_by_label("评标日期").fill("2026-10-12")
    page.get_by_role("button", name="查询最迟申请日").click()
    expect(page.locator("#deadline output")).to_have_text("2026-10-08")
    expect(page.locator("#deadline")).to_contain_text("2026年10月8日（星期四）")
    page.get_by_role("link", name="下一月 →").click()
    expect(page.locator("#deadline output")).to_have_text("2026-10-08")   # only the month was swapped
    assert page.evaluate("window.noReload") is True
