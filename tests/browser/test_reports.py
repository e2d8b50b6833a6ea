"""The monthly report in Chromium: two regions fill and submit their rows, the province sees the one region
still missing, returns one report with a comment (the region sees it) and downloads the workbook."""
from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.extensions import db
from portal.reports import counting, services
from tests.browser.test_workstation_directory import login
from tests.web.test_reports import month_data  # noqa: F401  (the fixture month)
from tests.browser.helpers import click_confirmed, click_then_confirm_box

FIGURES = {"all_projects": "4", "all_sections": "6", "all_budget": "900", "all_winning": "850"}


def _submit_others(month, skip):
    for region in counting.home_regions():
        if region.code in skip:
            continue
        services.save_draft(region, month, {"all_projects": 1, "all_sections": 1, "all_budget": 1, "all_winning": 1},
                            {}, None, None)
        services.submit(region, month, None)
    db.session.commit()


def _fill_and_submit(page, figures, correction=None, script=True):
    page.get_by_role("link", name="月调度", exact=True).click()
    for key, value in figures.items():
        page.locator(f"#{key}").fill(value)
    if correction:
        key, value, reason = correction
        page.locator(f"#fix_{key}").fill(value)
        page.locator(f"#reason_{key}").fill(reason)
    submit = page.get_by_role("button", name="保存并报送省政数局")
    if script:   # one dialog of the browser's own
        click_confirmed(page, submit, "确认报送")
    else:        # the confirmation box on the page, which posts the same figures again
        click_then_confirm_box(page, submit, "确认报送")
    expect(page.locator(".flash")).to_contain_text("已报送")   # a warning when late


def test_two_regions_submit_the_province_returns_one_and_downloads(browser, live_server, month_data, tmp_path):  # noqa: F811
    month = month_data["month"]
    _submit_others(month, skip={"changchun", "jilin", "meihekou"})

    def new_page(script=True):
        return browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                   accept_downloads=True, java_script_enabled=script).new_page()

    changchun = new_page()
    login(changchun, "changchun")
    expect(changchun.locator("#report-banner")).to_contain_text("本地区尚未报送")
    # The counted figures are on the form before anything is typed.
    changchun.get_by_role("link", name="月调度", exact=True).click()
    expect(changchun.locator("#report-form")).to_contain_text("辽宁省, 专家3人; 长春1次, 专家2人; 吉林1次, 专家2人")
    _fill_and_submit(changchun, {"all_projects": "10", "all_sections": "15", "all_budget": "5000.5",
                                 "all_winning": "4800.25"})

    jilin = new_page(script=False)   # a browser without JavaScript confirms on the page
    login(jilin, "jilin")
    _fill_and_submit(jilin, FIGURES, correction=("sec_projects", "2", "大连主场的一个项目本系统未记录"), script=False)

    province = new_page()
    login(province, "province")
    province.get_by_role("link", name="月调度", exact=True).click()
    expect(province.locator(".report-status")).to_contain_text("已报送 11 个")
    missing = province.locator("#missing ul")
    expect(missing).to_contain_text("梅河口市")
    expect(missing.locator("li")).to_have_count(1)
    expect(province.locator("#report-table sup[title*='大连主场的一个项目本系统未记录']")).to_have_count(1)

    province.locator("#report-table").get_by_role("link", name="吉林地区").click()
    province.get_by_label("退回意见").fill("副场项目数量请附说明材料")
    province.get_by_role("button", name="退回").click()
    expect(province.locator(".flash-success")).to_contain_text("已退回吉林地区")
    expect(missing.locator("li")).to_have_count(2)
    expect(missing).to_contain_text("已退回修改：副场项目数量请附说明材料")

    with province.expect_download() as download_info:
        province.get_by_role("link", name="下载 Excel（.xlsx）").click()
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path).worksheets[0]
    assert sheet["A1"].value == "远程异地评标月调度情况表"
    assert [sheet.cell(6, c).value for c in range(1, 6)] == ["长春地区", 10, 15, 5000.5, 4800.25]
    assert sheet.cell(6, 10).value == "辽宁省, 专家3人; 长春1次, 专家2人; 吉林1次, 专家2人"
    assert sheet.cell(17, 1).value == "合计"

    jilin.reload()
    expect(jilin.locator("#state")).to_contain_text("副场项目数量请附说明材料")
    expect(jilin.locator("#fix_sec_projects")).to_have_value("2")
