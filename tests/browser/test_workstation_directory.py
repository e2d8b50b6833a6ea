"""A prefecture admin imports workstations and finds them in the shared directory (htmx filtering)."""

from openpyxl import Workbook
from playwright.sync_api import expect

from portal.workstations.rules import IMPORT_COLUMNS
from tests import factories


def import_file(tmp_path):
    workbook = Workbook()
    workbook.active.append([header for _, header, _ in IMPORT_COLUMNS])
    for i in range(1, 13):
        workbook.active.append(["长春市公共资源交易中心", "远程异地评标区", f"CC-R{i:02d}", "是" if i <= 4 else "否",
                                "是", "是", "是", "可用", ""])
    path = tmp_path / "长春工位.xlsx"
    workbook.save(path)
    return path


def login(page, username):
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text(f"您好，{username}")).to_be_visible()


def test_admin_imports_then_filters_the_directory_without_a_reload(page, users, tmp_path):
    login(page, "changchun")
    page.get_by_role("link", name="场所工位").first.click()
    page.get_by_role("link", name="批量导入").first.click()
    page.get_by_label("工位登记表（.xlsx 或 .csv）").set_input_files(str(import_file(tmp_path)))
    page.get_by_role("button", name="校验并导入").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("已导入工位 12 个")
    expect(result).to_contain_text("新建评标场所 1 个")

    result.get_by_role("link", name="在场所工位共享目录中查看").click()
    table = page.locator("#ws-table tbody")
    expect(table.locator("tr")).to_have_count(12)
    expect(table).to_contain_text("CC-R12")

    page.evaluate("window.__noReload = true")
    page.get_by_label("能力").select_option("cross")
    expect(table.locator("tr")).to_have_count(4)
    expect(table).not_to_contain_text("CC-R05")
    assert page.evaluate("window.__noReload") is True  # the page was not reloaded
    assert "capability=cross" in page.url  # the URL can be bookmarked and works without JavaScript

    page.get_by_label("搜索").fill("R03")
    expect(table.locator("tr")).to_have_count(1)
    expect(table).to_contain_text("CC-R03")
    assert page.evaluate("window.__noReload") is True


def test_bad_import_shows_the_errors_in_place(page, users, tmp_path):
    login(page, "changchun")
    page.goto("/workstations/import")
    path = tmp_path / "bad.csv"
    path.write_bytes("交易中心,评标场所,工位编号,支持跨省远程异地评标\n吉林市公共资源交易中心,X,A 1,也许\n".encode("gbk"))
    page.get_by_label("工位登记表（.xlsx 或 .csv）").set_input_files(str(path))
    page.get_by_role("button", name="校验并导入").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("未导入任何数据")
    expect(errors).to_contain_text("不能包含空格")
    expect(errors).to_contain_text("不在您的管辖范围内")


def test_the_directory_works_without_javascript(browser, live_server, users):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    login(page, "agent")
    page.goto("/workstations/")
    page.get_by_label("能力").select_option("cross")
    page.get_by_role("button", name="筛选").click()
    assert "capability=cross" in page.url
    context.close()
