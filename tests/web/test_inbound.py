"""Inbound work (跨省副场): 吉林市 registers a request of 黄冈市 (seed 004's pairing), answers it, runs the guest
venue's day, and the region's monthly report counts it under 副场 with 湖北省 as the main venue's province."""
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.bookings.models import SeatRequest
from portal.bookings.rules import Status
from portal.clock import CHINA
from portal.demo import load_pairings
from portal.evaluations.models import Clue, CommitteeMember, Evaluation, EvaluationVenue
from portal.experts.models import Expert, Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.projects.models import Project, Section
from portal.reports import counting
from tests import factories
from tests.factories import CONFIRMED

HUANGGANG = "黄冈市公共资源交易中心"
TENDEREE = "黄冈市某水务投资有限公司"


@pytest.fixture
def hosted(orgs, users):
    """吉林市 with 4 cross-province workstations and a pool of 4 experts shared across provinces (A0201), one
    shared only province-wide, one employed by the partner's tenderee; seed 004's pairings; fee standards."""
    load_pairings()
    load_starter_specialties()
    jilin = orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin)
    stations = [factories.make_workstation(venue, f"JL-{i:02d}", cross_province=True) for i in range(1, 5)]
    region = orgs.region("jilin")
    cross = [factories.make_expert(region, factories.valid_id_number(600 + n, prefix="220202"),
                                   name=f"跨省专家{chr(0x7532 + n)}", share_scope="cross_province")
             for n in range(4)]
    province_only = factories.make_expert(region, factories.valid_id_number(610, prefix="220202"),
                                          name="省内共享专家", share_scope="province")
    factories.make_expert(region, factories.valid_id_number(611, prefix="220202"), name="招标人职工专家",
                          share_scope="cross_province", employer=TENDEREE)
    jilin.expert_fee_base_yuan, jilin.expert_fee_base_hours = Decimal(600), 4
    jilin.expert_fee_extra_hour_yuan, jilin.expert_fee_cap_yuan = Decimal(100), Decimal(1000)
    jilin.meal_fee_yuan = Decimal(60)
    db.session.commit()
    return {"jilin": jilin, "stations": stations, "huanggang": orgs.center(HUANGGANG), "cross": cross,
            "province_only": province_only, "day": factories.working_day(10), "region": region}


def _form(w, **changes):
    a0201 = db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one()
    data = {"main_center_id": str(w["huanggang"].id), "partner_reference": "HGYC-2026-118",
            "partner_contact": "黄冈市公共资源交易中心 王工 0713-8866001",
            "project_name": "黄冈市城区供水管网改造工程", "project_code": "HGZB-2026-0342", "tenderee": TENDEREE,
            "agency": "湖北某招标代理有限公司", "section_name": "供水管网改造施工一标段", "section_code": "01",
            "category": "construction", "budget_wan": "3200",
            "evaluation_date": w["day"].isoformat(), "start_time": "09:00", "duration_minutes": "240",
            "committee_size": "7", "seats": "2", "specialty_ids": str(a0201), "notes": ""}
    data.update(changes)
    return data


def _register(client, w, **changes):
    return client.post("/bookings/inbound/new", data=_form(w, **changes))


def _only_request() -> SeatRequest:
    db.session.expire_all()
    return db.session.scalars(select(SeatRequest)).one()


# --- registering ---------------------------------------------------------------------------------------------

def test_jilin_staff_register_a_request_of_huanggang_into_their_inbox(login_as, hosted, users):
    staff = login_as("staff-jilin")
    assert "登记外省主场的客场机位申请" in staff.get("/bookings/inbound/new").get_data(as_text=True)
    response = _register(staff, hosted)
    assert response.status_code == 303
    req = _only_request()
    assert response.headers["Location"].endswith(f"/bookings/{req.id}")
    assert (req.inbound, req.cross_province, req.status) == (True, True, Status.SUBMITTED)
    assert (req.main_center_id, req.guest_center_id) == (hosted["huanggang"].id, hosted["jilin"].id)
    assert (req.seats_requested, req.committee_size) == (2, 7)
    assert req.partner_contact.endswith("0713-8866001") and req.partner_reference == "HGYC-2026-118"
    project = db.session.get(Project, db.session.get(Section, req.section_id).project_id)
    assert (project.code, project.host_center_id, project.region_id) == (
        "HGZB-2026-0342", hosted["jilin"].id, hosted["region"].id)
    section = db.session.get(Section, req.section_id)
    assert (section.main_center_id, section.budget_wan) == (hosted["huanggang"].id, Decimal("3200"))
    # Audited in the host's region (the main venue has none here).
    regions = set(db.session.scalars(select(AuditEntry.region_id).where(AuditEntry.object_type == "seat_request")))
    assert regions == {hosted["region"].id}
    inbox = staff.get("/bookings/inbox").get_data(as_text=True)
    assert req.number in inbox and "外省主场" in inbox
    page = staff.get(f"/bookings/{req.id}").get_data(as_text=True)
    assert "本中心作跨省副场" in page and "王工 0713-8866001" in page


@pytest.mark.parametrize("changes, message", [
    ({"main_center_id": ""}, "请填写主场交易中心"),
    ({"budget_wan": "很多"}, "万元"),
    ({"seats": "5"}, "共有支持跨省远程异地评标的可用工位 4 个"),
    ({"committee_size": "6"}, "5 人以上单数"),
    ({"partner_contact": ""}, "请填写主场联系人及电话"),
])
def test_bad_input_is_refused_with_a_message_and_keeps_what_was_typed(login_as, hosted, changes, message):
    page = _register(login_as("staff-jilin"), hosted, **changes)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert message in text and "黄冈市城区供水管网改造工程" in text
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 0
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_only_a_paired_or_registered_partner_may_be_registered(login_as, hosted, orgs):
    staff = login_as("staff-jilin")
    # 长春 is not one of 黄冈's partner centers, and 湖北 has not passed joint testing with Jilin.
    staff_cc = login_as("staff-changchun")
    page = _register(staff_cc, hosted)
    assert page.status_code == 422 and "尚未与本省完成联调联试" in page.get_data(as_text=True)
    # A center of this province is not another province's main venue.
    page = _register(staff, hosted, main_center_id=str(orgs.center(factories.CHANGCHUN).id))
    assert page.status_code == 422 and "省内的客场机位申请由主场在本系统提出" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 0


def test_a_date_gone_by_and_a_code_of_a_jilin_project_are_refused(login_as, hosted, users, orgs):
    staff = login_as("staff-jilin")
    page = _register(staff, hosted, evaluation_date=(hosted["day"] - timedelta(days=60)).isoformat())
    assert page.status_code == 422 and "已经过去" in page.get_data(as_text=True)
    factories.make_project(users["agent"], orgs.region("jilin"), code="HGZB-2026-0342")
    db.session.commit()
    page = _register(staff, hosted)
    assert page.status_code == 422 and "已被本系统中的其他项目使用" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 0


def test_registering_twice_is_refused_and_a_second_section_reuses_the_project(login_as, hosted):
    staff = login_as("staff-jilin")
    assert _register(staff, hosted).status_code == 303
    again = _register(staff, hosted)
    assert again.status_code == 422 and "不能重复登记" in again.get_data(as_text=True)
    assert _register(staff, hosted, section_code="02", section_name="二标段", seats="1").status_code == 303
    assert db.session.scalar(select(func.count(Project.id))) == 1
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 2


@pytest.mark.parametrize("username, status", [
    ("staff-changchun", 404), ("agent", 404), ("changchun", 404), ("supervisor", 404),
])
def test_other_centers_and_regions_do_not_reach_the_inbound_request(login_as, hosted, username, status):
    assert _register(login_as("staff-jilin"), hosted).status_code == 303
    req = _only_request()
    assert login_as(username).get(f"/bookings/{req.id}").status_code == status


def test_the_prefecture_of_the_host_sees_the_inbound_request(login_as, hosted):
    assert _register(login_as("staff-jilin"), hosted).status_code == 303
    req = _only_request()
    assert login_as("jilin").get(f"/bookings/{req.id}").status_code == 200


@pytest.mark.parametrize("username", ["agent", "changchun", "supervisor", "province"])
def test_only_center_staff_register_inbound_requests(login_as, hosted, username):
    assert login_as(username).get("/bookings/inbound/new").status_code == 403


# --- the life cycle and the guest venue's day ------------------------------------------------------------------

def _accept(client, req, stations):
    return client.post(f"/bookings/{req.id}/answer", data={
        "version": req.version, "workstation_ids": [str(s.id) for s in stations], "reason": ""})


@pytest.fixture
def accepted(hosted, login_as):
    staff = login_as("staff-jilin")
    assert _register(staff, hosted).status_code == 303
    req = _only_request()
    assert _accept(staff, req, hosted["stations"][:2]).status_code == 303
    return {**hosted, "staff": staff, "req": _only_request()}


def test_the_host_accepts_cancels_or_changes_the_inbound_request(accepted):
    req = accepted["req"]
    assert req.status is Status.ACCEPTED and req.seats_accepted == 2
    # The partner moves the evaluation: the host records the change as the main side and answers it.
    new_day = accepted["day"] + timedelta(days=1)
    while new_day.weekday() >= 5:
        new_day += timedelta(days=1)
    response = accepted["staff"].post(f"/bookings/{req.id}/change", data={
        "version": req.version, "evaluation_date": new_day.isoformat(), "start_time": "09:30",
        "duration_minutes": "240", "seats_requested": "2", "reason": "黄冈市来函：评标改期"})
    assert response.status_code == 303
    req = _only_request()
    # The partner calls it off: the host cancels it (the main side's action), giving the seats back.
    response = accepted["staff"].post(f"/bookings/{req.id}/cancel", data={"version": req.version,
                                                                            "reason": "黄冈市来函取消"})
    assert response.status_code == 303
    assert _only_request().status is Status.CANCELLED


def _china(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA)


def _committee(w, req):
    a0201 = db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one()
    return {"committee_size": "7", "tenderee_reps": "1", "avoid_months": "12",
            "bidders": "湖北某建设集团\n黄冈某路桥公司", "supervising_department": "黄冈市住房和城乡建设局",
            "need-main-0-specialty": str(a0201), "need-main-0-count": "4",
            f"need-{req.id}-0-specialty": str(a0201), f"need-{req.id}-0-count": "2"}


def test_the_whole_guest_day_of_an_inbound_evaluation(accepted, login_as, travel, users):
    staff, req = accepted["staff"], accepted["req"]
    section_id = req.section_id
    # The committee as the partner fixed it, recorded by the host; 4 experts sit at 黄冈 (drawn there).
    assert staff.post(f"/evaluations/new?section={section_id}", data=_committee(accepted, req)).status_code == 303
    evaluation = db.session.scalars(select(Evaluation)).one()
    venues = db.session.scalars(select(EvaluationVenue).order_by(EvaluationVenue.id)).all()
    main, guest = venues
    assert (main.is_main, main.center_id, main.experts_needed) == (True, accepted["huanggang"].id, 4)
    assert (guest.center_id, guest.experts_needed) == (accepted["jilin"].id, 2)
    # 委托客场抽取: only experts shared across provinces, the tenderee's employee avoided.
    assert staff.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED).status_code == 403
    travel(_china(accepted["day"], 9, 0) - timedelta(days=1))
    staff = login_as("staff-jilin")   # (a session does not outlive the clock's jumps)
    assert staff.post(f"/evaluations/{evaluation.id}/venues/{guest.id}/draw", data=CONFIRMED).status_code == 303
    members = db.session.scalars(select(CommitteeMember).order_by(CommitteeMember.seat_no)).all()
    assert len(members) == 2
    assert {m.expert_id for m in members} <= {e.id for e in accepted["cross"]}
    # Sign-in with identity check and phone custody, then the three signatures, on the day.
    travel(_china(accepted["day"], 9, 30))
    staff = login_as("staff-jilin")
    for member, station in zip(members, accepted["stations"]):
        expert = db.session.get(Expert, member.expert_id)
        assert staff.post(f"/evaluations/{evaluation.id}/members/{member.id}/sign-in", data={
            "id_number": expert.id_number, "photo_checked": "y", "phone_in_custody": "y",
            "no_conflict_declared": "y", "workstation_id": str(station.id)}).status_code == 303
        for which in ("review_form_signed_at", "summary_signed_at", "report_signed_at"):
            assert staff.post(f"/evaluations/{evaluation.id}/members/{member.id}/sign/{which}").status_code == 303
    for item in ("draw", "identity", "av", "meals"):
        assert staff.post(f"/evaluations/{evaluation.id}/venues/{guest.id}/duties",
                          data={"item": item, "done": "1"}).status_code == 303
    # A clue is transferred to the other province's main venue.
    assert staff.post(f"/evaluations/{evaluation.id}/clues", data={
        "venue_id": str(guest.id), "text": "客场发现评委使用未登记的通讯设备"},
        content_type="multipart/form-data").status_code == 303
    clue = db.session.scalars(select(Clue)).one()
    assert staff.post(f"/evaluations/{evaluation.id}/clues/{clue.id}/report", data={
        "reported_to": "黄冈市公共资源交易中心（主场）", "note": "已电话告知王工"}).status_code == 303
    # The main venue's end instruction, as it was given by 黄冈, recorded by the host: fees by 吉林市's standard.
    travel(_china(accepted["day"], 13, 30))
    staff = login_as("staff-jilin")
    assert staff.post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED).status_code == 303
    db.session.expire_all()
    members = db.session.scalars(select(CommitteeMember).order_by(CommitteeMember.seat_no)).all()
    for member in members:
        assert (member.fee_yuan, member.meal_yuan) == (Decimal("700.00"), Decimal("60.00"))
    # The hand-over to the main venue, with its references, and the main venue's receipt.
    for kind, mode, reference in (("witness", "physical", "移交单 HG-01"), ("assessment", "physical", "移交单 HG-02"),
                                  ("av", "physical", "快递 SF1234567890")):
        assert staff.post(f"/evaluations/{evaluation.id}/handover", data={
            "venue_id": str(guest.id), "kind": kind, "mode": mode, "reference": reference}).status_code == 303
    assert staff.post(f"/evaluations/{evaluation.id}/venues/{guest.id}/receive",
                      data={"note": "黄冈市已签收"}).status_code == 303
    # The payment, recorded by the host (the partner's agent has no account here).
    for member in members:
        assert staff.post(f"/evaluations/{evaluation.id}/members/{member.id}/paid", data={
            **CONFIRMED, "amount": "760", "paid_on": accepted["day"].isoformat(), "reference": "HG-PAY-7"}).status_code == 303
    db.session.expire_all()
    assert all(m.paid_yuan == Decimal("760.00") for m in db.session.scalars(select(CommitteeMember)))
    assert db.session.get(EvaluationVenue, guest.id).received_at is not None
    # Confidentiality as for a local draw: the host's prefecture reads the day without the names; other centers'
    # staff and agents do not reach it at all.
    names = [db.session.get(Expert, m.expert_id).name for m in members]
    overseen = login_as("jilin").get(f"/evaluations/{evaluation.id}")
    assert overseen.status_code == 200 and "供水管网改造施工一标段" in overseen.get_data(as_text=True)
    assert not any(name in overseen.get_data(as_text=True) for name in names)
    assert all(name in staff.get(f"/evaluations/{evaluation.id}").get_data(as_text=True) for name in names)
    for username in ("staff-changchun", "agent"):
        assert login_as(username).get(f"/evaluations/{evaluation.id}").status_code == 404


def test_the_month_counts_inbound_work_under_secondary_with_hubei(accepted, login_as):
    month = date(accepted["day"].year, accepted["day"].month, 1)
    main, secondary = counting.counted(month, accepted["region"].id)
    side = secondary[accepted["region"].id]
    assert side.places == {"湖北省": [side.places["湖北省"][0], 1, 2, False]}
    row = counting.region_row(accepted["region"], month, live=True)
    assert (row.values["sec_projects"], row.values["sec_sections"]) == (1, 1)
    assert row.values["sec_budget"] == Decimal("3200") and row.values["sec_places"] == "湖北省"
    assert row.sources["sec"] == [accepted["req"].section_id]
    assert accepted["region"].id not in main    # not the region's own (main-side) work
    workbook = login_as("province").get(f"/reports/monthly/{month:%Y-%m}.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    cells = [str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None]
    assert "湖北省" in cells
