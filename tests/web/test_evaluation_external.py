"""An external guest venue (外省客场) through the Flask client: a 长春 evaluation with 3 experts at a partner
province's center (大连), whose experts the partner draws and signs in. The main venue's staff record the sign-in
the partner confirmed (a count, never names), fill in the partner's fee and meal standards, the owed amount
follows at the end (or at a confirmation after it); the agent records the payment; the partner's hand-over is
recorded and received by the main venue."""
import io
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.bookings.services import answering as booking_services
from portal.clock import CHINA
from portal.evaluations.models import CommitteeMember, Evaluation, EvaluationVenue
from portal.evaluations.services.common import aware
from portal.experts.models import Expert, Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.orgs.models import TradingCenter
from portal.templating import china_today
from tests import factories
from tests.factories import CONFIRMED
from tests.conftest import counted_queries

DALIAN = "大连市营商环境建设局（大连市公共资源交易管理办公室）"
CONTACT = "王某 0411-88886666"


def _china(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA)


@pytest.fixture
def outbound(orgs, users, travel, login_as):
    """The committee fixed (5 members: 1 tenderee representative, 1 expert at 长春, 3 at 大连), 长春's expert
    drawn, signed in and signed; the clock at 11:00 China time of the evaluation day, 2 hours after the start.
    长春 publishes its standard; 大连 has no figures in the portal."""
    factories.load_thresholds()
    load_starter_specialties()
    changchun = orgs.region("changchun")
    project = factories.make_project(users["agent"], changchun)
    when = factories.working_day(10)
    main_center = orgs.center(factories.CHANGCHUN)
    section = factories.make_section(project, main_center, evaluation_date=when)
    partner = db.session.scalars(select(TradingCenter).filter_by(name=DALIAN)).one()
    assert partner.region_id is None
    partner_venue = factories.make_venue(partner)
    stations = [factories.make_workstation(partner_venue, f"DL-{i:02d}", cross_province=True) for i in range(1, 4)]
    cc_station = factories.make_workstation(factories.make_venue(main_center), "CC-01")
    req = factories.make_seat_request(section, partner, users["agent"], seats=3, day=when, committee=5)
    req.cross_province = True
    db.session.commit()
    booking_services.accept(req, req.version, [s.id for s in stations], "")
    expert = factories.make_expert(changchun, factories.valid_id_number(11), name="长春专家甲", codes=("A0201",),
                                   employer="长春某设计院", share_scope="province")
    main_center.expert_fee_base_yuan, main_center.expert_fee_base_hours = Decimal(800), 4
    main_center.meal_fee_yuan = Decimal(50)
    db.session.commit()
    travel(_china(when, 11, 0))
    staff = login_as("staff-changchun")
    a0201 = db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one()
    assert staff.post(f"/evaluations/new?section={section.id}", data={
        "committee_size": "5", "tenderee_reps": "1", "avoid_months": "12", "bidders": "", "supervising_department": "",
        "need-main-0-specialty": str(a0201), "need-main-0-count": "1",
        f"need-{req.id}-0-specialty": str(a0201), f"need-{req.id}-0-count": "3"}).status_code == 303
    evaluation = db.session.scalars(select(Evaluation)).one()
    db.session.execute(update(Evaluation).values(starts_at=_china(when, 9, 0).astimezone(UTC)))
    db.session.commit()
    main, guest = _venues(evaluation)
    assert guest.center_id == partner.id and guest.experts_needed == 3
    assert staff.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED).status_code == 303
    member = db.session.scalars(select(CommitteeMember)).one()
    assert staff.post(f"/evaluations/{evaluation.id}/members/{member.id}/sign-in", data={
        "id_number": expert.id_number, "photo_checked": "y", "phone_in_custody": "y", "no_conflict_declared": "y",
        "workstation_id": str(cc_station.id)}).status_code == 303
    for which in ("review_form_signed_at", "summary_signed_at", "report_signed_at"):
        assert staff.post(f"/evaluations/{evaluation.id}/members/{member.id}/sign/{which}").status_code == 303
    return {"evaluation": evaluation, "main": main, "guest": guest, "staff": staff, "partner": partner,
            "when": when, "expert": expert, "section": section}


def _venues(evaluation):
    db.session.expire_all()
    return db.session.scalars(select(EvaluationVenue).where(EvaluationVenue.evaluation_id == evaluation.id)
                              .order_by(EvaluationVenue.is_main.desc(), EvaluationVenue.id)).all()


def _partner(w) -> TradingCenter:
    db.session.expire_all()
    return db.session.get(TradingCenter, w["partner"].id)


def _guest(w) -> EvaluationVenue:
    return _venues(w["evaluation"])[1]


def _url(w, what, venue=None):
    return f"/evaluations/{w['evaluation'].id}/venues/{(venue or w['guest']).id}/{what}"


def _confirm(client, w, count="3", at="09:05", contact=CONTACT, **headers):
    return client.post(_url(w, "external/sign-in"), headers=headers, data={
        "count": count, "signed_in_at": f"{w['when']:%Y-%m-%d}T{at}", "contact": contact})


def _standards(client, w, **changes):
    data = {"expert_fee_base_yuan": "500", "expert_fee_base_hours": "4", "expert_fee_extra_hour_yuan": "80",
            "expert_fee_cap_yuan": "900", "meal_fee_yuan": "50", "expert_fee_note": "辽宁省评标专家劳务费标准（2025）"}
    data.update(changes)
    return client.post(_url(w, "external/fees"), data=data)


def _end(w):
    assert w["staff"].post(f"/evaluations/{w['evaluation'].id}/end", data=CONFIRMED).status_code == 303


# --- the sign-in as the partner confirmed it -----------------------------------------------------------------------

def test_main_staff_record_the_partners_sign_in_without_names(outbound, login_as):
    w = outbound
    assert _confirm(w["staff"], w).status_code == 303
    venue = _guest(w)
    assert venue.signed_in_count == 3 and venue.signed_in_contact == CONTACT
    assert aware(venue.signed_in_at) == _china(w["when"], 9, 5)
    page = w["staff"].get(f"/evaluations/{w['evaluation'].id}").get_data(as_text=True)
    assert "合作方确认签到 <strong>3</strong> 人" in page and CONTACT in page
    board = w["staff"].get(f"/evaluations/{w['evaluation'].id}/board", headers={"HX-Request": "true"})
    assert "合作方确认签到 3 人" in board.get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.summary.like("%合作方确认签到%"))).one()
    assert "3 人" in entry.summary and CONTACT not in entry.summary
    # The partner's contact shows to those who run the venue only; the count to everyone who sees the page.
    for username in ("agent", "supervisor"):
        text = login_as(username).get(f"/evaluations/{w['evaluation'].id}").get_data(as_text=True)
        assert "合作方确认签到 <strong>3</strong> 人" in text and CONTACT not in text


@pytest.mark.parametrize("count, at, contact, field_message", [
    ("4", "09:05", CONTACT, "不能超过 3 人"),
    ("-1", "09:05", CONTACT, "不能为负数"),
    ("３", "09:05", CONTACT, "半角数字"),
    ("3", "11:30", CONTACT, "不能晚于现在"),
    ("3", "09:05", "", "请填写合作方确认人"),
    ("", "09:05", CONTACT, "不是有效的整数"),
])
def test_a_refused_confirmation_keeps_what_was_typed(outbound, count, at, contact, field_message):
    w = outbound
    page = _confirm(w["staff"], w, count=count, at=at, contact=contact)
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and field_message in text
    assert f'value="{count}"' in text and f'value="{contact}"' in text
    assert _guest(w).signed_in_count is None


def test_a_confirmation_the_day_before_is_refused(outbound):
    w = outbound
    page = w["staff"].post(_url(w, "external/sign-in"), data={
        "count": "3", "signed_in_at": f"{w['when'] - timedelta(days=1):%Y-%m-%d}T09:00", "contact": CONTACT})
    assert page.status_code == 422 and "应在评标当日" in page.get_data(as_text=True)


def test_the_htmx_answer_is_the_section_fragment(outbound):
    w = outbound
    answer = _confirm(w["staff"], w, **{"HX-Request": "true"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="external"' in text and "<html" not in text and "HX-Request" in answer.headers.get("Vary", "")
    refused = _confirm(w["staff"], w, count="9", **{"HX-Request": "true"})
    assert refused.status_code == 422 and 'id="external"' in refused.get_data(as_text=True)
    assert "<html" not in refused.get_data(as_text=True) and 'value="9"' in refused.get_data(as_text=True)


def test_only_those_who_run_the_external_venue_confirm(outbound, login_as):
    w = outbound
    assert _confirm(login_as("agent"), w).status_code == 403
    assert _confirm(login_as("supervisor"), w).status_code == 403
    assert _confirm(login_as("staff-jilin"), w).status_code == 404     # not one of its centers: not found
    main = w["staff"].post(_url(w, "external/sign-in", w["main"]), data={
        "count": "1", "signed_in_at": f"{w['when']:%Y-%m-%d}T09:05", "contact": CONTACT})
    assert main.status_code == 422 and "只有外省客场" in main.get_data(as_text=True)
    assert _guest(w).signed_in_count is None


def test_the_database_refuses_a_negative_count_and_a_count_without_its_confirmation(outbound):
    w = outbound
    for values in ({"signed_in_count": -1, "signed_in_at": _china(w["when"], 9), "signed_in_contact": CONTACT},
                   {"signed_in_count": 2},
                   {"paid_yuan": Decimal(-1)},
                   {"paid_at": _china(w["when"], 12), "paid_yuan": Decimal(1)}):   # paid without the day paid
        with pytest.raises(IntegrityError):
            db.session.execute(update(EvaluationVenue).where(EvaluationVenue.id == w["guest"].id).values(**values))
            db.session.flush()
        db.session.rollback()


# --- the partner's standards and what is owed ----------------------------------------------------------------------

def test_the_owed_amount_is_fixed_at_the_end_from_the_partners_standard(outbound, login_as):
    w = outbound
    assert _confirm(w["staff"], w).status_code == 303
    assert _standards(w["staff"], w).status_code == 303
    partner = _partner(w)
    assert (partner.expert_fee_base_yuan, partner.meal_fee_yuan) == (Decimal("500.00"), Decimal("50.00"))
    assert "辽宁省评标专家劳务费标准" in partner.expert_fee_note
    # Audited on the center (its fee standards) and on the evaluation (who entered them, from what).
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "trading_center", AuditEntry.summary == "更新收费标准")) == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.summary.like("主场按合作方公布的标准录入%"))).one()
    assert "劳务费标准、就餐费用标准" in entry.summary and "辽宁省评标专家劳务费标准（2025）" in entry.summary
    assert _guest(w).owed_yuan is None              # not before the end instruction
    _end(w)
    venue = _guest(w)
    # 9:00 to 11:00 is within the 4 hours: 3 × (500 + 50).
    assert venue.owed_yuan == Decimal("1650.00")
    assert "3 人 × 每人 550.00 元" in venue.owed_basis and "评审 2 小时 0 分" in venue.owed_basis
    agent_page = login_as("agent").get(f"/evaluations/{w['evaluation'].id}").get_data(as_text=True)
    assert "1650.00" in agent_page and f"/venues/{venue.id}/paid" in agent_page


def test_a_count_confirmed_after_the_end_fixes_the_owed_amount_then(outbound):
    w = outbound
    assert _standards(w["staff"], w).status_code == 303
    _end(w)
    assert _guest(w).owed_yuan is None
    page = w["staff"].get(f"/evaluations/{w['evaluation'].id}").get_data(as_text=True)
    assert "确认签到人数后计算" in page
    assert _confirm(w["staff"], w, count="2").status_code == 303
    assert _guest(w).owed_yuan == Decimal("1100.00")


def test_standards_entered_after_the_count_fix_the_owed_amount(outbound):
    w = outbound
    assert _confirm(w["staff"], w).status_code == 303
    _end(w)
    assert _guest(w).owed_yuan is None and "劳务费标准尚未录入" in _guest(w).owed_basis
    assert _standards(w["staff"], w, meal_fee_yuan="").status_code == 303
    assert _guest(w).owed_yuan == Decimal("1500.00")      # no meal standard: the fee alone
    # The meal standard, entered later, is a blank filled: the owed amount follows.
    assert _standards(w["staff"], w, expert_fee_base_yuan="", expert_fee_extra_hour_yuan="", expert_fee_cap_yuan="",
                      meal_fee_yuan="40").status_code == 303
    assert _guest(w).owed_yuan == Decimal("1620.00")


def test_published_figures_are_not_overwritten_by_the_main_staff(outbound):
    w = outbound
    partner = db.session.get(TradingCenter, w["partner"].id)
    partner.expert_fee_base_yuan, partner.meal_fee_yuan = Decimal(600), Decimal(30)
    db.session.commit()
    page = _standards(w["staff"], w)
    assert page.status_code == 422 and "组织机构管理员" in page.get_data(as_text=True)
    assert _partner(w).expert_fee_base_yuan == Decimal("600.00")


@pytest.mark.parametrize("changes, message", [
    ({"expert_fee_base_yuan": "五百"}, "半角数字"),
    ({"expert_fee_cap_yuan": "400"}, "不能低于基本标准"),
    ({"expert_fee_base_yuan": "", "meal_fee_yuan": ""}, "请先填写基本标准"),
    ({"expert_fee_note": ""}, "请填写依据的公布标准"),
    ({"expert_fee_base_hours": "30"}, "1 至 24"),
])
def test_a_refused_standard_keeps_what_was_typed(outbound, changes, message):
    w = outbound
    page = _standards(w["staff"], w, **changes)
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and message in text
    assert 'value="900"' in text or changes.get("expert_fee_cap_yuan") == "400"
    assert _partner(w).expert_fee_base_yuan is None


# --- the payment, the fee sheet and the deadlines board ------------------------------------------------------------

def test_the_agent_records_the_payment_and_the_board_shows_it_until_then(outbound, login_as):
    w = outbound
    assert _confirm(w["staff"], w).status_code == 303
    assert _standards(w["staff"], w).status_code == 303
    _end(w)
    agent = login_as("agent")
    board = agent.get("/evaluations/deadlines").get_data(as_text=True)
    assert "支付专家劳务费" in board and "1 个外省客场的专家" in board
    with counted_queries() as due:
        agent.get("/evaluations/deadlines")
    assert w["staff"].post(_url(w, "paid"), data={**CONFIRMED, "amount": "1650"}).status_code == 403
    refused = agent.post(_url(w, "paid"), data={**CONFIRMED, "amount": "１６５０", "reference": "YH-01"})
    assert refused.status_code == 422 and "半角数字" in refused.get_data(as_text=True)
    assert 'value="YH-01"' in refused.get_data(as_text=True)
    assert agent.post(_url(w, "paid", w["main"]), data={**CONFIRMED, "amount": "1"}).status_code == 422
    asked = agent.post(_url(w, "paid"), data={"amount": "1650", "reference": "YH-01"})   # without the confirmation
    assert asked.status_code == 200 and "确认登记已支付" in asked.get_data(as_text=True)
    assert 'name="confirmed" value="1"' in asked.get_data(as_text=True) and _guest(w).paid_at is None
    assert agent.post(_url(w, "paid"), data={**CONFIRMED, "amount": "1650", "reference": "YH-01"}).status_code == 303
    venue = _guest(w)
    assert (venue.paid_yuan, venue.payment_ref, venue.paid_on) == (Decimal("1650.00"), "YH-01", china_today())
    again = agent.post(_url(w, "paid"), data={**CONFIRMED, "amount": "1600"})
    assert again.status_code == 422 and "已登记支付" in again.get_data(as_text=True)
    assert agent.post(_url(w, "paid"), data={**CONFIRMED, "amount": "1600", "correction": "金额录入错误"}).status_code == 303
    assert _guest(w).paid_yuan == Decimal("1600.00")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.summary.like("%支付更正%"))).one()
    assert "1650.00 元" in entry.summary and "金额录入错误" in entry.summary
    # The main venue's member still unpaid: the board lists the evaluation for that expert only.
    board = agent.get("/evaluations/deadlines").get_data(as_text=True)
    assert "1 名专家的劳务费" in board and "外省客场" not in board
    with counted_queries() as after:
        agent.get("/evaluations/deadlines")
    assert len(after) == len(due)
    # A paid venue's count no longer changes.
    page = _confirm(w["staff"], w, count="2")
    assert page.status_code == 422 and "已登记支付" in page.get_data(as_text=True)


def test_an_unpaid_external_venue_is_overdue_for_the_supervisor(outbound, login_as):
    w = outbound
    _end(w)
    member = db.session.scalars(select(CommitteeMember)).one()
    db.session.execute(update(CommitteeMember).where(CommitteeMember.id == member.id)
                       .values(paid_yuan=Decimal(800), paid_at=_china(w["when"], 12), paid_on=w["when"]))
    db.session.execute(update(Evaluation).values(payment_due=china_today() - timedelta(days=1)))
    db.session.commit()
    board = login_as("supervisor").get("/evaluations/deadlines").get_data(as_text=True)
    assert "已逾期" in board and "支付专家劳务费" in board and "1 个外省客场的专家" in board


def test_the_fee_sheet_of_the_external_venue_holds_the_count_not_names(outbound, login_as):
    w = outbound
    assert _confirm(w["staff"], w).status_code == 303
    assert _standards(w["staff"], w).status_code == 303
    _end(w)
    sheet = w["staff"].get(_url(w, "print/fees"))
    text = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "1650.00" in text and "名单由合作方保存" in text
    assert w["expert"].name not in text and CONTACT not in text
    signin = w["staff"].get(_url(w, "print/signin")).get_data(as_text=True)
    assert "合作方确认签到 3 人" in signin
    assert login_as("agent").get(_url(w, "print/fees")).status_code == 403


def test_the_evaluation_page_reads_as_many_statements_with_the_external_records(outbound):
    w = outbound
    with counted_queries() as before:
        assert w["staff"].get(f"/evaluations/{w['evaluation'].id}").status_code == 200
    assert _confirm(w["staff"], w).status_code == 303
    assert _standards(w["staff"], w).status_code == 303
    _end(w)
    with counted_queries() as ended:
        assert w["staff"].get(f"/evaluations/{w['evaluation'].id}").status_code == 200
    # The end adds the hand-over and fee sections' reads (as for any evaluation), nothing per external venue.
    with counted_queries() as again:
        assert w["staff"].get(f"/evaluations/{w['evaluation'].id}").status_code == 200
    assert len(again) == len(ended) and len(before) <= len(ended)


# --- the hand-over received from the partner --------------------------------------------------------------------

def test_the_partners_hand_over_is_recorded_and_received_by_the_main_staff(outbound, users):
    w = outbound
    _end(w)
    evaluation_id = w["evaluation"].id
    no_reference = w["staff"].post(f"/evaluations/{evaluation_id}/handover", data={
        "venue_id": str(w["guest"].id), "kind": "witness", "mode": "file", "reference": "",
        "files": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "见证记录.pdf")}, content_type="multipart/form-data")
    assert no_reference.status_code == 422 and "合作方的移交单号" in no_reference.get_data(as_text=True)
    assert w["staff"].post(f"/evaluations/{evaluation_id}/handover", data={
        "venue_id": str(w["guest"].id), "kind": "witness", "mode": "file", "reference": "LN-YJ-2026-031",
        "files": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "见证记录.pdf")},
        content_type="multipart/form-data").status_code == 303
    for kind in ("assessment", "av"):
        assert w["staff"].post(f"/evaluations/{evaluation_id}/handover", data={
            "venue_id": str(w["guest"].id), "kind": kind, "mode": "physical",
            "reference": f"LN-YJ-2026-03{kind[0]}"}).status_code == 303
    venue = _guest(w)
    assert venue.handed_over_at is not None and venue.received_at is None
    page = w["staff"].get(f"/evaluations/{evaluation_id}").get_data(as_text=True)
    assert "LN-YJ-2026-031" in page and "确认接收" in page
    assert w["staff"].post(_url(w, "receive"), data={"note": "按合作方移交单核对无误"}).status_code == 303
    assert _guest(w).received_at is not None
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "receive")) == 1


def test_the_partners_experts_are_never_asked_for(outbound):
    w = outbound
    page = w["staff"].get(f"/evaluations/{w['evaluation'].id}").get_data(as_text=True)
    assert "专家姓名由合作方掌握，本系统不记录" in page
    assert db.session.scalar(select(func.count(CommitteeMember.id)).where(
        CommitteeMember.venue_id == w["guest"].id)) == 0
    assert db.session.scalar(select(func.count(Expert.id))) == 1


HOSTILE = ["", "-1", "9" * 40, "１２３４５", "2026-02-30T09:00", "0001-01-01T00:00", "' OR '1'='1' --",
           "<script>alert(1)</script>", "{{ 7*7 }}", "😀" * 60, "\x01\x02", "a" * 5000, "1e309", "NaN"]


@pytest.mark.parametrize("what, fields", [
    ("external/sign-in", ("count", "signed_in_at", "contact")),
    ("external/fees", ("expert_fee_base_yuan", "expert_fee_base_hours", "expert_fee_extra_hour_yuan",
                       "expert_fee_cap_yuan", "meal_fee_yuan", "expert_fee_note")),
    ("paid", ("amount", "reference", "paid_on", "correction")),
])
def test_hostile_values_are_refused_in_place_and_change_nothing(outbound, login_as, what, fields):
    w = outbound
    _end(w)
    client = login_as("agent") if what == "paid" else w["staff"]
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    for value in HOSTILE:
        for name in fields:
            response = client.post(_url(w, what), data={name: value})
            assert response.status_code == 422, (name, value, response.status_code)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    venue = _guest(w)
    assert (venue.signed_in_count, venue.paid_at) == (None, None) and _partner(w).expert_fee_base_yuan is None


@pytest.mark.parametrize("external_paid, moves", [(False, True), (True, False)])
def test_a_calendar_change_moves_the_payment_due_while_the_external_venue_is_unpaid(outbound, login_as,
                                                                                     external_paid, moves):
    from portal.calendar.services import load_calendar

    w = outbound
    _end(w)
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, w["evaluation"].id)
    old_due = evaluation.payment_due
    # The main venue's member is paid; the external venue is paid or not.
    db.session.execute(update(CommitteeMember).values(paid_at=evaluation.ended_at, paid_yuan=Decimal(1),
                                                      paid_on=w["when"]))
    if external_paid:
        db.session.execute(update(EvaluationVenue).where(EvaluationVenue.id == w["guest"].id).values(
            paid_at=evaluation.ended_at, paid_yuan=Decimal(1), paid_on=w["when"]))
    db.session.commit()
    day_off = load_calendar().add_working_days(w["when"], 1)
    assert login_as("province").post("/calendar/overrides", data={
        "day": day_off.isoformat(), "working": "off", "notice": "国务院办公厅关于部分节假日安排的通知",
        "note": "测试"}).status_code == 303
    db.session.expire_all()
    assert (db.session.get(Evaluation, w["evaluation"].id).payment_due > old_due) is moves
