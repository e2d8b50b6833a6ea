"""The evaluation day in Chromium: the main venue fixes the committee, both venues draw and sign in their
experts, the end instruction is refused while a signature is missing (the board says which, in place), then
goes through; the hand-over and the payment appear on the deadlines boards."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.evaluations.models import CommitteeMember, EvaluationVenue
from portal.experts.models import Expert, Specialty
from portal.extensions import db
from tests.browser.test_workstation_directory import login
from tests.web.test_evaluation import day  # noqa: F401  (the fixture: a section with 2 seats at 吉林市)
from tests.browser.helpers import click_confirmed


def _members(venue_main: bool):
    db.session.expire_all()
    venue = db.session.scalars(select(EvaluationVenue).where(EvaluationVenue.is_main.is_(venue_main))).one()
    return db.session.scalars(select(CommitteeMember).where(CommitteeMember.venue_id == venue.id)
                              .order_by(CommitteeMember.seat_no)).all()


def _sign_in_everyone(page, members, stations):
    for member, station in zip(members, stations):
        expert = db.session.get(Expert, member.expert_id)
        page.locator("#board tr", has=page.get_by_role("cell", name=expert.name, exact=False)) \
            .get_by_role("link", name="核验签到").click()
        page.get_by_label("身份证号码（读卡或录入）").fill(expert.id_number)
        page.get_by_label("已核对本人与证件照片").check()
        page.get_by_label("通讯工具已统一保管").check()
        page.get_by_label("专家已签署无回避事项声明").check()
        page.get_by_label("评标工位").select_option(label=station.code)
        page.get_by_role("button", name="核验通过，签到").click()
        expect(page.locator(".flash-success")).to_contain_text(f"评委席位 {member.seat_no} 已签到")


def _sign_documents(page, seat_nos, skip=None, documents=("个人评审表", "评标汇总表", "评标报告")):
    for seat in seat_nos:
        for document in documents:
            if (seat, document) == skip:
                continue
            button = page.get_by_role("button", name=f"席位 {seat} 已签署{document}")
            button.first.click()
            expect(button).to_have_count(0)   # the board came back (htmx) with a tick instead


def test_the_day_from_draw_to_end_and_the_deadlines(browser, live_server, day):  # noqa: F811
    def new_page():
        return browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768},
                                   locale="zh-CN").new_page()

    main = new_page()
    login(main, "staff-changchun")
    main.goto(f"/evaluations/new?section={day['section'].id}")
    main.get_by_label("评标委员会成员总数").fill("5")
    main.get_by_label("招标人代表人数").fill("1")
    a0201 = str(db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one())
    main.locator("#need-main-0-specialty").select_option(value=a0201)
    main.locator("#need-main-0-count").fill("2")
    key = str(day["req"].id)
    main.locator(f"#need-{key}-0-specialty").select_option(value=a0201)
    main.locator(f"#need-{key}-0-count").fill("2")
    main.get_by_role("button", name="保存评标委员会组成").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text(day["section"].name)
    click_confirmed(main, main.get_by_role("button", name="随机抽取本场所专家（2 人）"))
    expect(main.locator("#board")).to_contain_text("专家 2/2 人")

    guest = new_page()
    login(guest, "staff-jilin")
    guest.get_by_role("link", name="评标当日").first.click()
    guest.get_by_role("link", name=day["section"].name).click()
    # Before the guest venue draws, its staff see no main-venue names.
    for member in _members(True):
        expect(guest.locator("#board")).not_to_contain_text(db.session.get(Expert, member.expert_id).name)
    click_confirmed(guest, guest.get_by_role("button", name="随机抽取本场所专家（2 人）"))

    _sign_in_everyone(main, _members(True), day["cc_stations"])
    _sign_in_everyone(guest, _members(False), day["stations"])
    main_seats = [m.seat_no for m in _members(True)]
    guest_seats = [m.seat_no for m in _members(False)]
    _sign_documents(main, main_seats)
    _sign_documents(guest, guest_seats, skip=(guest_seats[-1], "评标报告"))

    # The main venue's board (polled) asks for the missing signature; the end instruction is refused.
    main.reload()
    click_confirmed(main, main.get_by_role("button", name="下达评审结束指令"))
    expect(main.locator("#board [role=alert]")).to_contain_text(f"评委席位 {guest_seats[-1]}尚未签署评标报告")
    assert "结束指令已于" not in main.locator("#board").inner_text()

    _sign_documents(guest, [guest_seats[-1]], documents=("评标报告",))
    click_confirmed(main, main.get_by_role("button", name="下达评审结束指令"))
    expect(main.locator("#board")).to_contain_text("评审结束指令已于")
    # The guest venue's page, left open, learns of it by itself.
    expect(guest.locator("#board")).to_contain_text("评审结束指令已于", timeout=15000)

    guest.goto("/evaluations/deadlines")
    expect(guest.get_by_role("row", name="移交评标资料")).to_be_visible()
    agent = new_page()
    login(agent, "agent")
    agent.goto("/evaluations/deadlines")
    row = agent.get_by_role("row", name="支付专家劳务费")
    expect(row).to_contain_text("4 名专家")
    row.get_by_role("link").click()
    # Ended before its scheduled start (the fixture's day is ahead): base fees, and the guest meal.
    expect(agent.locator("#fees")).to_contain_text("800.00")   # main venue: 长春's standard
    expect(agent.locator("#fees")).to_contain_text("660.00")   # guest venue: 吉林市's 600 + meal 60
