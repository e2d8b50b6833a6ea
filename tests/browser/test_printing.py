"""A person prints the directory and the monthly table: Chromium's own print (its PDF) holds the content
only (no navigation, filters or buttons), every row of the list, the header row on each page, on A4."""
import io

from pypdf import PdfReader

from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login
from tests.office import landscape_a4, page_text


def printed(page) -> PdfReader:
    page.emulate_media(media="print")
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=False)))


def test_the_directory_prints_all_its_rows_without_the_navigation(page, users, orgs):
    venue = factories.make_venue(orgs.center(factories.CHANGCHUN))
    factories.bulk_workstations(venue, 119, prefix="CC-")
    db.session.commit()
    login(page, "province")
    page.goto("/workstations/")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="打印全部（119 条）").click()
    view = opened.value
    view.wait_for_load_state()
    assert "print=1" in view.url
    assert view.locator("#ws-table tbody tr").count() == 119
    pdf = printed(view)
    texts = [page_text(p) for p in pdf.pages]
    whole = "".join(texts)
    assert all(landscape_a4(p) for p in pdf.pages)
    assert "CC-00000" in whole and "CC-00118" in whole
    for chrome in ("公告专栏", "退出登录", "打印全部", "返回分页显示", "导出 Excel", "修改", "筛选"):
        assert chrome not in whole, chrome
    # The list's header row is repeated on every page the list spans.
    list_pages = [text for text in texts if "CC-0" in text]
    assert len(list_pages) >= 2 and all("工位编号" in text for text in list_pages)
