"""A region admin imports experts; an agent sees the catalogue's counts grow (and never a name)."""
from playwright.sync_api import expect

from portal.experts.services import load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login


def test_region_admin_imports_and_agent_sees_the_counts_grow(browser, live_server, page, users, tmp_path):
    load_starter_specialties()
    db.session.commit()
    login(page, "agent")
    page.goto("/experts/")
    a0201 = page.locator('td[data-code="A0201"]')
    expect(a0201).to_have_text("0")

    rows = ["姓名,身份证号码,手机号码,工作单位,职称,评标专业代码,共享范围,状态,所属地区"]
    for n, name in enumerate(["周明", "吴芳", "买买提·艾力"], start=1):
        rows.append(f"{name},{factories.valid_id_number(n, birth='19850505')},1390000000{n},长春某设计院,高级工程师,A0201、C02,全省共享,在库,")
    csv = tmp_path / "专家.csv"
    csv.write_text("\n".join(rows), encoding="utf-8")

    admin_context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768})
    admin = admin_context.new_page()
    login(admin, "changchun")
    admin.get_by_role("link", name="专家库").click()
    admin.get_by_role("link", name="专家信息维护").click()
    admin.get_by_role("link", name="批量导入").click()
    admin.get_by_label("专家信息表（.xlsx 或 .csv）").set_input_files(str(csv))
    admin.get_by_role("button", name="上传").click()
    expect(admin.locator("#import-ok")).to_contain_text("将新增 3 名")
    admin.get_by_label("仅校验，不导入").uncheck()
    admin.get_by_label("专家信息表（.xlsx 或 .csv）").set_input_files(str(csv))
    admin.get_by_role("button", name="上传").click()
    expect(admin.locator("#import-result")).to_contain_text("新增专家 3 名")
    admin_context.close()

    page.get_by_label("查找专业").fill("A02")
    expect(page.locator('td[data-code="A0201"]')).to_have_text("3")
    expect(page.locator('td[data-code="A02"]')).to_have_text("3")
    assert "周明" not in page.content() and "买买提" not in page.content()


def test_a_region_admin_finds_specialties_by_typing_ticks_them_and_saves(page, users):
    load_starter_specialties()
    db.session.commit()
    login(page, "changchun")
    page.goto("/experts/records/new")
    picker = page.locator("#specialty_ids")
    expect(picker.locator("[data-picker-item]:visible")).to_have_count(32)
    page.get_by_label("查找专业").fill("道路")                            # the Chinese name
    expect(picker.locator("[data-picker-item]:visible")).to_have_count(1)
    expect(picker.get_by_role("group", name="B 货物类")).to_be_hidden()   # a category without a match
    picker.get_by_label("A0201 道路桥梁").check()
    expect(picker.locator("[data-picker-count]")).to_have_text("已选 1 个")
    page.get_by_label("查找专业").fill("c03")                             # the code, in either case
    expect(picker.locator("[data-picker-item]:visible")).to_have_count(2)   # the ticked one stays in sight
    page.get_by_label("查找专业").press("Enter")                          # filters; does not submit
    picker.get_by_label("C03 工程监理").check()
    expect(picker.locator("[data-picker-count]")).to_have_text("已选 2 个")
    page.get_by_label("查找专业").fill("没有这个专业")
    expect(picker.get_by_text("没有符合的专业。")).to_be_visible()
    page.get_by_label("姓名").fill("周明")
    page.get_by_label("身份证号码").fill(factories.valid_id_number(11, birth="19850505"))
    page.get_by_label("手机号码").fill("13900000011")
    page.get_by_label("工作单位").fill("长春某设计院")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("周明")
    expect(page.locator("main")).to_contain_text("A0201 道路桥梁")
    expect(page.locator("main")).to_contain_text("C03 工程监理")
