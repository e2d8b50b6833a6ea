"""A person prints the directory and the monthly table: Chromium's own print (its PDF) holds the content
only (no navigation, filters or buttons), every row of the list, the header row on each page, on A4."""
import io

from pypdf import PdfReader

from portal.extensions import db
from tests import factories
from tests.browser.test_workstation_directory import login
from tests.office import landscape_a4, page_text
from tests.web import test_evaluation

# The evaluation day's fixtures (the clock at 09:30 of the evaluation day; the committee fixed and drawn).
day, drawn = test_evaluation.day, test_evaluation.drawn


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


def test_the_guest_venue_prints_its_sign_in_sheet_on_one_a4_page(page, drawn):
    """The sign-in sheet of a venue as Chromium prints it: one portrait A4 page with the venue's experts and the
    signature lines, none of the navigation."""
    from portal.experts.models import Expert
    from tests.browser.test_workstation_directory import login as log_in
    from tests.office import portrait_a4
    from tests.web.test_evaluation import _members

    evaluation, guest = drawn["evaluation"], drawn["guest"]
    names = [db.session.get(Expert, m.expert_id).name for m in _members(guest)]
    log_in(page, "staff-jilin")
    page.goto(f"/evaluations/{evaluation.id}")
    page.get_by_role("link", name="专家签到表").click()
    pdf = printed(page)
    assert len(pdf.pages) == 1 and portrait_a4(pdf.pages[0])
    text = page_text(pdf.pages[0])
    assert "专家签到表" in text and all(name in text for name in names) and "证人(签字)" in text   # NFKC: （ -> (
    assert "公告专栏" not in text and "返回评标页面" not in text


def _ended(drawn):
    """Everyone signed in and signed, the end instruction given: fees computed, hand-over open."""
    from tests.web.test_evaluation import _finish

    _finish(drawn)


def test_the_guest_venue_prints_its_fee_sheet_with_the_total_on_one_a4_page(page, drawn):
    from portal.experts.models import Expert
    from tests.office import portrait_a4
    from tests.web.test_evaluation import _members

    _ended(drawn)
    evaluation, guest = drawn["evaluation"], drawn["guest"]
    names = [db.session.get(Expert, m.expert_id).name for m in _members(guest)]
    login(page, "staff-jilin")
    page.goto(f"/evaluations/{evaluation.id}")
    page.get_by_role("link", name="劳务费发放表").click()
    pdf = printed(page)
    assert len(pdf.pages) == 1 and portrait_a4(pdf.pages[0])
    text = page_text(pdf.pages[0])
    # Ended before the scheduled start: 吉林市's base 600 and its meal fee 60 for each of the two experts.
    compact = "".join(text.split())   # a name may wrap inside its narrow cell
    assert "劳务费发放表" in text and all(name in compact for name in names)
    assert "660.00" in text and "1320.00" in text and "领取人签名" in text
    assert "公告专栏" not in text and "登记已支付" not in text


def test_the_hand_over_list_prints_the_references_for_both_signatures(page, drawn):
    from tests.office import portrait_a4

    _ended(drawn)
    evaluation, guest = drawn["evaluation"], drawn["guest"]
    for kind, reference in (("witness", "移交单 JL-01"), ("assessment", "移交单 JL-02"), ("av", "移动硬盘 JL-AV-07")):
        assert drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/handover", data={
            "venue_id": str(guest.id), "kind": kind, "mode": "physical", "reference": reference}).status_code == 303
    login(page, "staff-changchun")   # the main venue prints what it received
    page.goto(f"/evaluations/{evaluation.id}/venues/{guest.id}/print/handover")
    pdf = printed(page)
    assert len(pdf.pages) == 1 and portrait_a4(pdf.pages[0])
    text = page_text(pdf.pages[0])
    assert "资料移交清单" in text and "JL-AV-07" in text and "JL-02" in text
    assert "移交人(签字)" in text and "接收人(签字)" in text   # NFKC: （ -> (


def test_the_guest_venue_prints_its_seat_confirmation(page, day):
    from tests.office import portrait_a4

    login(page, "staff-jilin")
    page.goto(f"/bookings/{day['req'].id}")
    page.get_by_role("link", name="打印客场确认函").click()
    pdf = printed(page)
    assert len(pdf.pages) == 1 and portrait_a4(pdf.pages[0])
    text = page_text(pdf.pages[0])
    assert "远程异地评标客场确认函" in text and day["req"].number in text and day["section"].name in text
    assert "JL-01" in text and "JL-02" in text   # the workstations it booked
    assert "公告专栏" not in text and "打印客场确认函" not in text
