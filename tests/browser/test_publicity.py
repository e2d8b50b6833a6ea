"""Publicity staff publish a notice with an attachment; an anonymous visitor finds it and downloads it.
An agent enrols in a training session from the public calendar."""
from playwright.sync_api import expect

from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login

PDF = b"%PDF-1.4\n% training notice\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_publicity_publishes_a_notice_and_an_anonymous_visitor_finds_and_downloads_it(page, browser, live_server,
                                                                                       users, tmp_path):
    factories.make_notice(title="评标专家库共享目录发布", body="全省评标专家可以跨地区抽取。")
    db.session.commit()
    attachment = tmp_path / "培训报名表.pdf"
    attachment.write_bytes(PDF)

    login(page, "publicity")
    page.get_by_role("link", name="公告专栏").click()
    page.get_by_role("link", name="撰写公告").click()
    page.get_by_label("标题").fill("关于举办远程异地评标业务培训班的通知")
    page.get_by_label("栏目").select_option(label="通知公告")
    page.get_by_label("正文").fill("各交易中心：\n\n定于下月举办**远程异地评标**业务培训班，请填写附件报名表。\n\n<script>alert(1)</script>")
    page.get_by_label("标签").fill("培训、报名")
    page.get_by_label("附件（PDF、Word、Excel、PowerPoint、图片，每个不超过 20 MB，每条最多 10 个）").set_input_files(
        str(attachment))
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_text("已发布，公众无需登录即可查看。")).to_be_visible()
    expect(page.locator(".rich-text strong")).to_have_text("远程异地评标")

    visitor = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  accept_downloads=True).new_page()
    visitor.goto("/notices/")
    expect(visitor.get_by_role("link", name="登录")).to_be_visible()      # not logged in
    expect(visitor.locator("#notice-results")).to_contain_text("评标专家库共享目录发布")
    visitor.get_by_label("搜索").fill("培训")                                # htmx: the list follows the typing
    expect(visitor.locator("#notice-results")).not_to_contain_text("评标专家库共享目录发布")
    expect(visitor.locator("#notice-results mark").first).to_have_text("培训")
    assert "q=" in visitor.url                                             # the search is in the address bar
    visitor.get_by_role("link", name="关于举办远程异地评标业务培训班的通知").click()
    expect(visitor.get_by_role("heading", name="关于举办远程异地评标业务培训班的通知")).to_be_visible()
    with visitor.expect_download() as info:
        visitor.get_by_role("link", name="培训报名表.pdf").click()
    download = info.value
    assert download.suggested_filename == "培训报名表.pdf"
    assert open(download.path(), "rb").read() == PDF
    visitor.context.close()


def test_an_agent_enrols_from_the_calendar_and_cancels(page, users, orgs):
    session = factories.make_training(orgs.region("changchun"), title="代理机构远程异地评标操作培训", capacity=3,
                                      days_ahead=3)
    db.session.commit()
    login(page, "agent")
    page.get_by_role("link", name="培训", exact=True).click()
    page.locator("#training-body").get_by_role("link", name="代理机构远程异地评标操作培训").first.click()
    expect(page.get_by_text("剩余 3 个")).to_be_visible()
    expect(page.get_by_label("参训身份")).to_have_value("agency")
    page.get_by_role("button", name="报名参加").click()
    expect(page.get_by_text("报名成功。")).to_be_visible()
    expect(page.get_by_text("剩余 2 个")).to_be_visible()
    page.get_by_role("button", name="取消报名").click()
    expect(page.get_by_text("已取消报名，名额已释放。")).to_be_visible()
    expect(page.get_by_text("剩余 3 个")).to_be_visible()
    assert session.id
