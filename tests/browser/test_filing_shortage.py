"""The dead end of issue 22 cannot be reached: a request to a guest center short of experts is refused on the
filing page, which names the centers that have enough; the agent files to one of them instead."""
from playwright.sync_api import expect

from portal.experts.services import load_starter_specialties
from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login

SIPING = "四平市公共资源交易中心"


def test_a_shortage_request_is_refused_then_filed_to_a_center_with_enough_experts(page, users, orgs):
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=factories.working_day(10))
    for name, prefix in ((factories.JILIN_CITY, "JL"), (SIPING, "SP")):
        venue = factories.make_venue(orgs.center(name))
        for i in range(1, 5):
            factories.make_workstation(venue, f"{prefix}-{i:02d}")
    factories.stock_pool(orgs.region("jilin"), count=3, codes=("A0201",))         # no 土建施工 at 吉林市
    for n in range(3):
        factories.make_expert(orgs.region("siping"), factories.valid_id_number(700 + n, prefix="220302"),
                              codes=("A0101",))
    db.session.commit()

    login(page, "agent")
    page.goto(f"/projects/sections/{section.id}")
    page.get_by_role("link", name="申请客场机位").click()
    page.get_by_label("第 1 个客场交易中心").select_option(label=factories.JILIN_CITY)
    page.get_by_label("第 1 个客场的机位数").fill("2")
    page.get_by_label("第 1 个客场的专业条件").select_option(label="A0101 土建施工")
    # The table the agent sees while typing already says it (htmx swaps it in).
    expect(page.locator("#availability tr", has_text=factories.JILIN_CITY)).to_contain_text("A0101：0 人 不足")
    expect(page.locator("#availability tr", has_text=SIPING)).to_contain_text("A0101：3 人")
    page.get_by_role("button", name="提交申请").click()

    refusal = page.get_by_role("alert").filter(has_text="符合条件的专家不足")
    expect(refusal).to_contain_text(f"{factories.JILIN_CITY}符合条件的专家不足：“A0101 土建施工”只有 0 人")
    expect(refusal).to_contain_text(f"专家数量足够的交易中心：{SIPING}")

    page.get_by_label("第 1 个客场交易中心").select_option(label=SIPING)
    page.get_by_label("第 1 个客场的专业条件").select_option(label="A0101 土建施工")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#request-status")).to_contain_text("待客场确认")
    expect(page.get_by_text(SIPING).first).to_be_visible()
