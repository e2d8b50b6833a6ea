"""A provincial admin adds a pairing and the partner page shows it."""
from playwright.sync_api import expect

from tests.browser.test_workstation_directory import login


def test_admin_adds_a_pairing_and_sees_it_on_the_partner_page(page, users):
    login(page, "province")
    page.get_by_role("link", name="跨省合作", exact=True).click()
    page.get_by_role("link", name="新增对口合作").click()
    page.get_by_label("实施单位（主场）").select_option(label="吉林省 · 长春市公共资源交易中心")
    page.get_by_label("湖南省 · 长沙公共资源交易中心").check()
    page.get_by_label("江苏省 · 南京市公共资源交易中心").check()
    page.get_by_label("开始日期").fill("2026-12-01")
    page.get_by_label("依据").fill("吉湘苏跨省远程异地评标合作协议")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("对口合作已保存。")).to_be_visible()
    pairing = page.locator("article.pairing", has_text="长春市公共资源交易中心")
    expect(pairing).to_contain_text("长沙公共资源交易中心")
    expect(pairing).to_contain_text("南京市公共资源交易中心")
    expect(pairing).to_contain_text("自 2026-12-01 起")
    expect(pairing).to_contain_text("吉湘苏跨省远程异地评标合作协议")
