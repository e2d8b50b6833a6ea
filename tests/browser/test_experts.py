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
