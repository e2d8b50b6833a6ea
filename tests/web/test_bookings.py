"""Guest-seat requests through the Flask client: filing, answering, the life cycle, calendars, feeds, fees."""
import re
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEntry
from portal.bookings.models import Booking, CalendarFeed, SeatRequest, SeatRequestSpecialty
from portal.bookings.rules import Status
from portal.experts.models import Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.projects.models import Project
from portal.notifications.models import Notification
from portal.orgs.models import Province, TradingCenter
from portal.partners.models import Pairing, PairingPartner
from portal.calendar.services import deadline_for, load_calendar
from tests import factories
from tests.conftest import counted_queries

LIAONING = "大连市营商环境建设局（大连市公共资源交易管理办公室）"


@pytest.fixture
def world(orgs, users):
    """An agent's section evaluated in 长春, and 吉林市 with four workstations (two cross-province)."""
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin = orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin)
    stations = [factories.make_workstation(venue, f"JL-{i:02d}", cross_province=i <= 2) for i in range(1, 5)]
    factories.stock_pool(orgs.region("jilin"))
    db.session.commit()
    return {"section": section, "project": project, "jilin": jilin, "day": day, "stations": stations,
            "changchun": orgs.center(factories.CHANGCHUN)}


def _form(world, **changes):
    data = {"evaluation_date": world["day"].isoformat(), "start_time": "09:00", "duration_minutes": "240",
            "committee_size": "7", "notes": "", "guests-0-center_id": str(world["jilin"].id), "guests-0-seats": "2",
            "guests-1-center_id": "", "guests-1-seats": "", "guests-2-center_id": "", "guests-2-seats": "",
            "action": "submit"}
    data.update(changes)
    return data


def _requests():
    return db.session.scalars(select(SeatRequest).order_by(SeatRequest.id)).all()


def _file(client, world, **changes):
    return client.post(f"/bookings/new?section={world['section'].id}", data=_form(world, **changes))


# --- filing ---------------------------------------------------------------------------------------------------

def test_agent_files_a_request_and_the_guest_staff_are_told(login_as, world, users):
    a01 = db.session.scalars(select(Specialty).filter_by(code="A01")).one()
    response = _file(login_as("agent"), world, **{"guests-0-specialty_ids": str(a01.id)})
    assert response.status_code == 303
    [req] = _requests()
    assert req.status is Status.SUBMITTED and req.seats_requested == 2 and req.guest_center_id == world["jilin"].id
    deadline = deadline_for(world["day"])
    assert req.latest_filing_date == deadline.latest_filing_date
    assert req.deadline_rule == deadline.rule_text() and req.deadline_calendar == deadline.calendar_text()
    assert db.session.scalars(select(SeatRequestSpecialty.specialty_id)).all() == [a01.id]
    told = {n.user_id: n.text for n in db.session.scalars(select(Notification))}
    # Both centers' staff hear of it; the agent who filed does not.
    assert set(told) == {users["staff-jilin"].id, users["staff-changchun"].id}
    assert req.number in told[users["staff-jilin"].id]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "seat_request")) == 2   # created, submitted


def test_a_request_later_than_three_working_days_ahead_is_refused_with_the_deadline(login_as, world):
    day = load_calendar().add_working_days(date.today(), 2)
    page = _file(login_as("agent"), world, evaluation_date=day.isoformat())
    assert page.status_code == 422
    latest = deadline_for(day).latest_filing_date.isoformat()
    assert f"最迟应于 {latest} 提交" in page.get_data(as_text=True)
    # The re-shown form keeps the date typed and its deadline panel, not the empty form's hint.
    assert f"最迟提交日期：<output>{latest}</output>" in page.get_data(as_text=True)
    assert "填写评标日期后显示最迟提交日期" not in page.get_data(as_text=True)
    assert _requests() == []


def test_a_request_for_a_holiday_is_refused(login_as, world):
    calendar, day = load_calendar(), world["day"] + timedelta(days=1)
    while calendar.is_working_day(day):
        day += timedelta(days=1)
    page = _file(login_as("agent"), world, evaluation_date=day.isoformat())
    assert page.status_code == 422 and "不是工作日" in page.get_data(as_text=True)
    assert _requests() == []


@pytest.mark.parametrize("seats, message", [
    ("0", "请填写申请机位数（至少 1 个"),
    ("５", "请填写申请机位数（至少 1 个"),     # a full-width digit
    ("", "请填写申请机位数"),
    ("5", "吉林市公共资源交易中心共有可用评标工位 4 个，不能申请 5 个机位"),
])
def test_seat_counts_that_cannot_be_asked_for(login_as, world, seats, message):
    page = _file(login_as("agent"), world, **{"guests-0-seats": seats})
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert _requests() == []
    assert 'value="' + seats + '"' in page.get_data(as_text=True) if seats else True   # what was typed stays


def test_the_committee_must_be_an_odd_five_or_more_with_main_experts(login_as, world, orgs):
    page = _file(login_as("agent"), world, committee_size="6")
    assert page.status_code == 422 and "5 人以上单数" in page.get_data(as_text=True)
    yushu = orgs.center(factories.YUSHU)
    factories.make_workstation(factories.make_venue(yushu), "YS-01")
    db.session.commit()
    page = _file(login_as("agent"), world, committee_size="5",
                 **{"guests-0-seats": "4", "guests-1-center_id": str(yushu.id), "guests-1-seats": "1"})
    assert "客场专家合计 5 人，应少于评标委员会人数 5 人" in page.get_data(as_text=True) and _requests() == []


def test_the_same_form_posted_twice_files_once(login_as, world):
    client = login_as("agent")
    assert _file(client, world).status_code == 303
    again = _file(client, world)
    assert again.status_code == 422 and "不能重复申请" in again.get_data(as_text=True)
    assert len(_requests()) == 1


def test_several_guest_centers_in_one_form_file_one_request_each(login_as, world, orgs):
    yushu = orgs.center(factories.YUSHU)
    factories.make_workstation(factories.make_venue(yushu), "YS-01")
    factories.stock_pool(orgs.region("changchun"), count=1, serial=600)
    db.session.commit()
    response = _file(login_as("staff-changchun"), world,
                     **{"guests-1-center_id": str(yushu.id), "guests-1-seats": "1"})
    assert response.status_code == 303
    assert sorted(r.guest_center_id for r in _requests()) == sorted([world["jilin"].id, yushu.id])


def _liaoning_pairing(world, orgs, start=None, end=None):
    liaoning = db.session.scalars(select(TradingCenter).filter_by(name=LIAONING)).one()
    factories.make_workstation(factories.make_venue(liaoning), "LN-01", cross_province=True)
    db.session.add(Pairing(implementing_center_id=world["changchun"].id, start_date=start or date(2020, 1, 1),
                           end_date=end, basis="测试", partners=[PairingPartner(partner_center_id=liaoning.id,
                                                                                position=0)]))
    db.session.commit()
    return liaoning


def test_cross_province_only_to_a_partner_of_the_main_center(login_as, world, orgs):
    liaoning = db.session.scalars(select(TradingCenter).filter_by(name=LIAONING)).one()
    factories.make_workstation(factories.make_venue(liaoning), "LN-01", cross_province=True)
    db.session.commit()
    page = _file(login_as("agent"), world, **{"guests-0-center_id": str(liaoning.id), "guests-0-seats": "1"})
    assert page.status_code == 422 and "不是长春市公共资源交易中心的对口合作单位" in page.get_data(as_text=True)


def test_a_partner_center_may_be_asked_while_the_pairing_is_in_force(login_as, world, orgs):
    liaoning = _liaoning_pairing(world, orgs)
    response = _file(login_as("agent"), world, **{"guests-0-center_id": str(liaoning.id), "guests-0-seats": "1"})
    assert response.status_code == 303
    [req] = _requests()
    assert req.cross_province is True


def test_an_ended_pairing_no_longer_allows_a_request(login_as, world, orgs):
    liaoning = _liaoning_pairing(world, orgs, end=date(2025, 12, 31))
    page = _file(login_as("agent"), world, **{"guests-0-center_id": str(liaoning.id), "guests-0-seats": "1"})
    assert page.status_code == 422 and "已于 2025-12-31 结束" in page.get_data(as_text=True)


def test_a_prequalification_section_cannot_ask_across_provinces(login_as, world, orgs, users):
    liaoning = _liaoning_pairing(world, orgs)
    section = factories.make_section(world["project"], world["changchun"], code="02", prequalification=True,
                                     evaluation_date=world["day"])
    db.session.commit()
    page = login_as("agent").post(f"/bookings/new?section={section.id}", data=_form(
        world, **{"guests-0-center_id": str(liaoning.id), "guests-0-seats": "1"}))
    assert page.status_code == 422 and "资格预审项目暂不列入跨省" in page.get_data(as_text=True)


def test_cross_province_seats_count_only_cross_province_workstations(login_as, world, orgs):
    liaoning = _liaoning_pairing(world, orgs)
    page = _file(login_as("agent"), world, **{"guests-0-center_id": str(liaoning.id), "guests-0-seats": "2"})
    assert "支持跨省远程异地评标的可用工位 1 个" in page.get_data(as_text=True)


def test_a_draft_is_checked_for_the_deadline_only_when_submitted(login_as, world):
    client = login_as("agent")
    assert _file(client, world, action="draft").status_code == 303
    [req] = _requests()
    assert req.status is Status.DRAFT and db.session.scalar(select(func.count(Notification.id))) == 0
    response = client.post(f"/bookings/{req.id}/submit", data={"version": req.version})
    assert response.status_code == 303
    db.session.refresh(req)
    assert req.status is Status.SUBMITTED and req.latest_filing_date is not None


# --- availability ---------------------------------------------------------------------------------------------

def test_availability_ranks_centers_with_enough_free_seats_first(login_as, world, orgs, users):
    yushu = orgs.center(factories.YUSHU)
    factories.make_workstation(factories.make_venue(yushu), "YS-01")
    db.session.commit()
    page = login_as("agent").get(f"/bookings/availability?section={world['section'].id}"
                                 f"&evaluation_date={world['day']}&seats=3").get_data(as_text=True)
    assert page.index("吉林市公共资源交易中心") < page.index("榆树市公共资源交易中心")
    assert "4/4" in page


def test_availability_counts_booked_workstations_as_busy(login_as, world, users):
    req = factories.make_seat_request(world["section"], world["jilin"], users["agent"], day=world["day"])
    factories.book(req, world["stations"][0])
    db.session.commit()
    url = f"/bookings/availability?section={world['section'].id}&evaluation_date={world['day']}&seats=2"
    assert "3/4" in login_as("agent").get(url).get_data(as_text=True)
    later = login_as("agent").get(url + "&start_time=14:00").get_data(as_text=True)
    assert "4/4" in later   # the afternoon does not overlap the morning's booking


def test_the_guest_centers_fees_are_shown_before_filing(login_as, world):
    client = login_as("staff-jilin")
    response = client.post(f"/bookings/fees/{world['jilin'].id}",
                           data={"meal_fee_yuan": "60", "expert_fee_note": "4 小时以内 800 元/人"})
    assert response.status_code == 303
    page = login_as("agent").get(f"/bookings/new?section={world['section'].id}").get_data(as_text=True)
    assert "60.00 元/人" in page and "4 小时以内 800 元/人" in page


@pytest.mark.parametrize("value", ["abc", "-5", "６０", "1e9", "12.345", "0E+999999999999", "0e-999999999",
                                   "100000"])
def test_a_bad_meal_fee_is_refused_and_kept(login_as, world, value):
    page = login_as("staff-jilin").post(f"/bookings/fees/{world['jilin'].id}",
                                        data={"meal_fee_yuan": value, "expert_fee_note": ""})
    assert page.status_code == 422 and "金额" in page.get_data(as_text=True)
    db.session.refresh(world["jilin"])
    assert world["jilin"].meal_fee_yuan is None


# --- answering ------------------------------------------------------------------------------------------------

def _submitted(world, users, seats=2, **kw):
    req = factories.make_seat_request(world["section"], world["jilin"], users["agent"], seats=seats,
                                      day=world["day"], **kw)
    db.session.commit()
    return req


def _accept(client, req, stations, version=None):
    return client.post(f"/bookings/{req.id}/answer", data={
        "version": version or req.version, "workstation_ids": [str(w.id) for w in stations], "reason": ""})


def test_the_inbox_lists_new_requests_first_and_offers_free_workstations(login_as, world, users):
    req = _submitted(world, users)
    inbox = login_as("staff-jilin").get("/bookings/inbox").get_data(as_text=True)
    assert req.number in inbox
    form = login_as("staff-jilin").get(f"/bookings/{req.id}/answer").get_data(as_text=True)
    assert form.count("checked") == 2 and "JL-01" in form


def test_accepting_with_two_workstations_books_them_and_tells_the_agent(login_as, world, users):
    req = _submitted(world, users)
    response = _accept(login_as("staff-jilin"), req, world["stations"][:2])
    assert response.status_code == 303
    db.session.refresh(req)
    assert req.status is Status.ACCEPTED and req.seats_accepted == 2
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.active.is_(True))) == 2
    agent_notes = db.session.scalars(select(Notification).filter_by(user_id=users["agent"].id)).all()
    assert agent_notes and "已接受" in agent_notes[0].text
    page = login_as("agent").get(f"/bookings/{req.id}").get_data(as_text=True)
    assert "已接受" in page and "JL-01" in page and "JL-02" in page


def test_fewer_workstations_than_asked_is_a_partial_acceptance(login_as, world, users):
    req = _submitted(world, users, seats=3)
    _accept(login_as("staff-jilin"), req, world["stations"][:1])
    db.session.refresh(req)
    assert req.status is Status.PARTLY_ACCEPTED and req.seats_accepted == 1
    assert "部分接受" in login_as("agent").get(f"/bookings/{req.id}").get_data(as_text=True)


def test_rejecting_needs_a_reason(login_as, world, users):
    req = _submitted(world, users)
    client = login_as("staff-jilin")
    page = client.post(f"/bookings/{req.id}/reject", data={"version": req.version, "reason": ""})
    assert page.status_code == 422 and "拒绝须填写原因" in page.get_data(as_text=True)
    assert client.post(f"/bookings/{req.id}/reject", data={"version": req.version, "reason": "当日工位检修"}
                       ).status_code == 303
    db.session.refresh(req)
    assert req.status is Status.REJECTED and req.reason == "当日工位检修"


def test_a_clash_names_the_booking_it_meets(login_as, world, users, orgs):
    other_section = factories.make_section(world["project"], world["changchun"], code="03",
                                           evaluation_date=world["day"])
    first = _submitted(world, users)
    second = factories.make_seat_request(other_section, world["jilin"], users["agent"], seats=1, day=world["day"],
                                         start=time(11, 0))
    db.session.commit()
    client = login_as("staff-jilin")
    assert _accept(client, first, world["stations"][:2]).status_code == 303
    page = _accept(client, second, world["stations"][:1])
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f"工位 JL-01 在 {world['day']} 09:00—13:00 已被申请 {first.number}" in body
    db.session.refresh(second)
    assert second.status is Status.SUBMITTED


def test_a_withdrawn_request_cannot_be_accepted_from_a_stale_page(login_as, world, users):
    req = _submitted(world, users)
    seen = req.version
    assert login_as("agent").post(f"/bookings/{req.id}/withdraw", data={"version": seen, "reason": ""}
                                  ).status_code == 303
    page = _accept(login_as("staff-jilin"), req, world["stations"][:2], version=seen)
    assert page.status_code == 422 and "已撤回" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_a_double_click_on_accept_books_once(login_as, world, users):
    req = _submitted(world, users)
    client = login_as("staff-jilin")
    assert _accept(client, req, world["stations"][:2]).status_code == 303
    again = _accept(client, req, world["stations"][:2], version=req.version)
    assert again.status_code == 422 and "页面已过期" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Booking.id))) == 2


def test_workstations_of_another_center_or_not_cross_province_are_refused(login_as, world, users, orgs):
    req = _submitted(world, users)
    other = factories.make_workstation(factories.make_venue(orgs.center(factories.YUSHU)), "YS-01")
    db.session.commit()
    page = _accept(login_as("staff-jilin"), req, [other])
    assert page.status_code == 422 and "所选工位须为本客场的可用工位" in page.get_data(as_text=True)


# --- life cycle after acceptance ------------------------------------------------------------------------------

def _accepted(login_as, world, users, seats=2):
    req = _submitted(world, users, seats=seats)
    _accept(login_as("staff-jilin"), req, world["stations"][:seats])
    db.session.refresh(req)
    return req


def test_the_time_of_an_accepted_booking_changes_only_by_a_change_request(login_as, world, users):
    req = _accepted(login_as, world, users)
    client = login_as("agent")
    data = {"version": req.version, "evaluation_date": world["day"].isoformat(), "start_time": "10:00",
            "duration_minutes": "240", "committee_size": "7", "seats_requested": "2", "notes": "",
            "change_reason": "开标时间调整"}
    page = client.post(f"/bookings/{req.id}/edit", data=data)
    assert page.status_code == 422 and "场地变更" in page.get_data(as_text=True)
    db.session.refresh(req)
    assert req.status is Status.ACCEPTED and req.start_time == time(9, 0)
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.active.is_(True))) == 2


def test_changing_only_the_notes_keeps_the_acceptance(login_as, world, users):
    req = _accepted(login_as, world, users)
    data = {"version": req.version, "evaluation_date": world["day"].isoformat(), "start_time": "09:00",
            "duration_minutes": "240", "committee_size": "7", "seats_requested": "2", "notes": "请准备读卡器",
            "change_reason": ""}
    assert login_as("agent").post(f"/bookings/{req.id}/edit", data=data).status_code == 303
    db.session.refresh(req)
    assert req.status is Status.ACCEPTED and req.notes == "请准备读卡器"


def test_cancelling_releases_the_workstations_and_keeps_the_record(login_as, world, users):
    req = _accepted(login_as, world, users)
    response = login_as("staff-jilin").post(f"/bookings/{req.id}/cancel",
                                            data={"version": req.version, "reason": "停电检修"})
    assert response.status_code == 303
    db.session.refresh(req)
    assert req.status is Status.CANCELLED
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.active.is_(True))) == 0
    page = login_as("agent").get(f"/bookings/{req.id}").get_data(as_text=True)
    assert "停电检修" in page and "已取消" in page


def test_completing_before_the_evaluation_day_is_refused(login_as, world, users):
    req = _accepted(login_as, world, users)
    page = login_as("agent").post(f"/bookings/{req.id}/complete", data={"version": req.version})
    assert page.status_code == 422 and "评标日期之前不能标记为已完成" in page.get_data(as_text=True)


def test_the_timeline_shows_who_did_what_and_why(login_as, world, users):
    req = _submitted(world, users)
    users["staff-jilin"].display_name = "吉林市中心王工"
    db.session.commit()
    login_as("staff-jilin").post(f"/bookings/{req.id}/reject", data={"version": req.version, "reason": "设备检修"})
    page = login_as("agent").get(f"/bookings/{req.id}").get_data(as_text=True)
    # The person's name, not the account; the machine-readable time in China time with its offset.
    assert "吉林市中心王工：拒绝：待客场确认 → 已拒绝；原因：设备检修" in page
    assert "staff-jilin：" not in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00">', page)


def test_the_polled_status_asks_for_a_refresh_once_the_request_changed(login_as, world, users):
    req = _submitted(world, users)
    client = login_as("agent")
    url = f"/bookings/{req.id}?v={req.version}"
    same = client.get(url, headers={"HX-Request": "true"})
    assert same.status_code == 200 and "HX-Refresh" not in same.headers and "待客场确认" in same.get_data(as_text=True)
    _accept(login_as("staff-jilin"), req, world["stations"][:2])
    assert client.get(url, headers={"HX-Request": "true"}).headers.get("HX-Refresh") == "true"


def test_the_database_refuses_an_overlapping_booking_whatever_the_code_does(world, users):
    req = _submitted(world, users)
    other = factories.make_seat_request(factories.make_section(world["project"], world["changchun"], code="09",
                                                               evaluation_date=world["day"]),
                                        world["jilin"], users["agent"], day=world["day"], start=time(12, 0))
    station = world["stations"][0]
    factories.book(req, station)
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.book(other, station)
    db.session.rollback()
    # Back to back is no clash, and a released booking (its hold released) does not hold the workstation.
    factories.book(other, station, starts=req.ends_at, ends=req.ends_at + timedelta(hours=2))
    db.session.commit()
    db.session.execute(text("UPDATE bookings SET active = false, released_at = ends_at WHERE request_id = :r"),
                       {"r": req.id})
    db.session.execute(text("UPDATE workstation_holds SET active = false, released_at = ends_at "
                            "WHERE id IN (SELECT hold_id FROM bookings WHERE request_id = :r)"), {"r": req.id})
    factories.book(req, station, starts=req.starts_at, ends=req.starts_at + timedelta(hours=1))
    db.session.commit()


def test_the_database_refuses_an_active_booking_without_its_hold(world, users):
    """A booking written without a hold would escape the holds' guarantee: the database refuses it."""
    req = _submitted(world, users)
    station, other_station = world["stations"][0], world["stations"][1]
    with pytest.raises(IntegrityError):
        db.session.add(Booking(request_id=req.id, workstation_id=station.id, center_id=world["jilin"].id,
                               starts_at=req.starts_at, ends_at=req.ends_at))
        db.session.flush()
    db.session.rollback()
    booking = factories.book(req, station)
    db.session.commit()
    with pytest.raises(IntegrityError):   # nor may it move to a workstation its hold does not keep
        db.session.execute(text("UPDATE bookings SET workstation_id = :w WHERE id = :b"),
                           {"w": other_station.id, "b": booking.id})
    db.session.rollback()


# --- notifications --------------------------------------------------------------------------------------------

def test_notifications_count_unread_and_open_marks_read(login_as, world, users):
    _file(login_as("agent"), world)
    client = login_as("staff-jilin")
    assert ">1<" in client.get("/notifications/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    note = db.session.scalars(select(Notification).filter_by(user_id=users["staff-jilin"].id)).one()
    response = client.post(f"/notifications/{note.id}/open")
    assert response.status_code == 303 and response.headers["Location"].endswith(note.link)
    assert "badge-bad" not in client.get("/notifications/badge").get_data(as_text=True)
    # Someone else's notification is not theirs to open.
    assert login_as("agent").post(f"/notifications/{note.id}/open").headers["Location"].endswith("/notifications/")


# --- calendars and feeds --------------------------------------------------------------------------------------

def test_the_day_and_week_views_show_the_booked_workstations(login_as, world, users):
    req = _accepted(login_as, world, users)
    client = login_as("staff-jilin")
    for view in ("day", "week"):
        page = client.get(f"/bookings/calendar?view={view}&date={world['day']}").get_data(as_text=True)
        assert "JL-01" in page and req.number in page, view


def test_the_ics_feed_holds_the_booking_and_stops_when_revoked(login_as, world, users, client):
    req = _accepted(login_as, world, users)
    staff = login_as("staff-jilin")
    page = staff.post("/bookings/feeds", data={"label": "值班室日历"}).get_data(as_text=True)
    url = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
    path = url.split("localhost", 1)[-1]
    feed = client.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    [event] = calendar.walk("VEVENT")
    assert req.number in str(event["SUMMARY"]) and "JL-01" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART").replace(tzinfo=None) == req.starts_at.replace(tzinfo=None)
    stored = db.session.scalars(select(CalendarFeed)).one()
    assert path.split("/")[-1].removesuffix(".ics") not in stored.token_sha256   # only the hash is kept
    staff.post(f"/bookings/feeds/{stored.id}/revoke")
    assert client.get(path).status_code == 404


def test_a_wrong_feed_token_is_not_found(client, world):
    assert client.get("/bookings/feed/not-a-token.ics").status_code == 404


# --- the section page ------------------------------------------------------------------------------------------

def test_the_section_page_lists_its_requests_and_offers_a_new_one(login_as, world, users):
    req = _submitted(world, users)
    page = login_as("agent").get(f"/projects/sections/{world['section'].id}").get_data(as_text=True)
    assert req.number in page and "申请客场机位" in page
    supervisor = login_as("supervisor").get(f"/projects/sections/{world['section'].id}").get_data(as_text=True)
    assert req.number in supervisor and f"/bookings/new?section={world['section'].id}" not in supervisor


def test_province_is_home_for_the_test_data(world):
    assert db.session.scalar(select(Province.is_home).join(TradingCenter).where(
        TradingCenter.id == world["jilin"].id)) is True


# --- query counts ---------------------------------------------------------------------------------------------

def _grow_requests(world, users, count: int, tag: str):
    """`count` accepted requests of separate sections, each holding one workstation at its own hour."""
    venue = factories.make_venue(world["jilin"], f"扩容{tag}")
    for i in range(count):
        section = factories.make_section(world["project"], world["changchun"], code=f"{tag}{i:03d}",
                                         evaluation_date=world["day"])
        station = factories.make_workstation(venue, f"{tag}-{i:03d}")
        req = factories.make_seat_request(section, world["jilin"], users["agent"], seats=1, day=world["day"],
                                          status=Status.ACCEPTED)
        factories.book(req, station)
    db.session.commit()


@pytest.mark.parametrize("username, path", [
    ("agent", "/bookings/"),
    ("staff-jilin", "/bookings/inbox?status="),
    ("staff-jilin", "/bookings/calendar?view=week&date={day}"),
    ("agent", "/bookings/availability?section={section}&evaluation_date={day}&seats=2"),
    ("agent", "/bookings/new?section={section}"),
    ("agent", "/projects/sections/{section}"),
])
def test_booking_pages_keep_their_query_count_as_requests_grow(login_as, world, users, username, path):
    client = login_as(username)
    url = path.format(day=world["day"], section=world["section"].id)
    _grow_requests(world, users, 2, "S")
    assert client.get(url).status_code == 200   # warm: the pools are read once per pool version
    with counted_queries() as small:
        assert client.get(url).status_code == 200
    _grow_requests(world, users, 60, "L")
    with counted_queries() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), (small, large)
    # 9: the filing page also counts the guest centers' eligible experts (one grouped query).
    assert len(large) <= 9, "\n".join(q[:120] for q in large)


def test_the_request_page_query_budget(login_as, world, users):
    req = _accepted(login_as, world, users)
    client = login_as("agent")
    with counted_queries() as page:
        assert client.get(f"/bookings/{req.id}").status_code == 200
    with counted_queries() as poll:
        client.get(f"/bookings/{req.id}?v={req.version}", headers={"HX-Request": "true"})
    assert len(page) <= 8, page
    assert len(poll) <= 4, poll


# --- hostile and awkward input (review findings) ----------------------------------------------------------------

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("path", [f"/bookings/{HUGE}", f"/bookings/new?section={HUGE}",
                                  f"/bookings/availability?section={HUGE}", f"/bookings/{HUGE}/answer"])
def test_huge_ids_in_urls_are_not_found(login_as, world, path):
    assert login_as("staff-jilin").get(path).status_code == 404


def test_huge_ids_in_forms_are_refused_not_crashed(login_as, world, users):
    req = _submitted(world, users)
    staff = login_as("staff-jilin")
    page = staff.post(f"/bookings/{req.id}/answer", data={"version": req.version, "workstation_ids": [HUGE]})
    assert page.status_code == 422
    assert staff.post(f"/bookings/{req.id}/reject", data={"version": HUGE, "reason": "x"}).status_code == 422
    agent = login_as("agent")
    assert _file(agent, world, **{"guests-0-center_id": HUGE}).status_code == 422
    assert _file(agent, world, **{"guests-0-specialty_ids": HUGE}).status_code == 422
    url = f"/bookings/availability?section={world['section'].id}&evaluation_date={world['day']}&specialty_ids={HUGE}"
    assert agent.get(url).status_code == 200
    assert agent.post(f"/notifications/{HUGE}/open").status_code == 404
    db.session.refresh(req)
    assert req.status is Status.SUBMITTED


def test_full_width_digits_in_the_committee_size_are_refused(login_as, world):
    page = _file(login_as("agent"), world, committee_size="７")
    assert page.status_code == 422 and "半角数字" in page.get_data(as_text=True) and _requests() == []


def test_the_edit_form_starts_without_a_change_reason_and_needs_the_pages_version(login_as, world, users):
    req = _submitted(world, users, seats=3)
    login_as("staff-jilin").post(f"/bookings/{req.id}/answer", data={
        "version": req.version, "workstation_ids": [str(world["stations"][0].id)], "reason": "只有一个空闲工位"})
    db.session.refresh(req)
    agent = login_as("agent")
    form = agent.get(f"/bookings/{req.id}/edit").get_data(as_text=True)
    assert "只有一个空闲工位" not in form.split('id="change_reason"')[1][:200]
    data = {"evaluation_date": world["day"].isoformat(), "start_time": "10:00", "duration_minutes": "240",
            "committee_size": "7", "seats_requested": "3", "notes": "", "change_reason": "改时间"}
    stale = agent.post(f"/bookings/{req.id}/edit", data=data)   # no version: a stale page
    assert stale.status_code == 422 and "页面已过期" in stale.get_data(as_text=True)
    assert agent.post(f"/bookings/{req.id}/edit", data={}).status_code == 422
    db.session.refresh(req)
    assert req.status is Status.PARTLY_ACCEPTED and req.start_time == time(9, 0)


def test_notes_can_change_after_the_deadline_but_the_time_cannot(login_as, world, users):
    close = load_calendar().add_working_days(date.today(), 1)
    section = factories.make_section(world["project"], world["changchun"], code="07", evaluation_date=close)
    req = factories.make_seat_request(section, world["jilin"], users["agent"], day=close)
    db.session.commit()
    data = {"version": req.version, "evaluation_date": close.isoformat(), "start_time": "09:00",
            "duration_minutes": "240", "committee_size": "7", "seats_requested": "2", "notes": "请提前半小时到场",
            "change_reason": ""}
    agent = login_as("agent")
    assert agent.post(f"/bookings/{req.id}/edit", data=data).status_code == 303
    db.session.refresh(req)
    data.update(version=req.version, start_time="10:00")
    page = agent.post(f"/bookings/{req.id}/edit", data=data)
    assert page.status_code == 422 and "已超过申请期限" in page.get_data(as_text=True)


def test_guest_seats_of_all_live_requests_of_a_section_count_toward_the_committee(login_as, world, orgs):
    yushu = orgs.center(factories.YUSHU)
    venue = factories.make_venue(yushu)
    for i in range(4):
        factories.make_workstation(venue, f"YS-{i}")
    db.session.commit()
    agent = login_as("agent")
    assert _file(agent, world, committee_size="5", **{"guests-0-seats": "2"}).status_code == 303
    page = _file(agent, world, committee_size="5", **{"guests-0-center_id": str(yushu.id), "guests-0-seats": "3"})
    assert page.status_code == 422 and "客场专家合计 5 人" in page.get_data(as_text=True)


def test_a_draft_stays_with_the_main_side(login_as, world, users):
    agent = login_as("agent")
    _file(agent, world, action="draft")
    [req] = _requests()
    assert login_as("staff-jilin").get(f"/bookings/{req.id}").status_code == 404
    assert req.number not in login_as("staff-jilin").get("/bookings/inbox?status=").get_data(as_text=True)
    agent.post(f"/bookings/{req.id}/withdraw", data={"version": req.version, "reason": ""})
    assert db.session.scalars(select(Notification).filter_by(user_id=users["staff-jilin"].id)).all() == []


def test_a_booked_workstation_cannot_be_retired_or_put_in_maintenance(login_as, world, users):
    req = _accepted(login_as, world, users)
    station = world["stations"][0]
    admin = login_as("jilin")
    page = admin.post(f"/workstations/{station.id}/retire", data={"reason": "损坏"})
    assert req.number in page.get_data(as_text=True) and "不能停用" in page.get_data(as_text=True)
    db.session.refresh(station)
    assert station.status.value == "available"


def test_the_answer_says_what_the_request_became_once(login_as, world, users):
    req = _submitted(world, users)
    client = login_as("staff-jilin")
    page = client.get(_accept(client, req, world["stations"][:2]).headers["Location"]).get_data(as_text=True)
    assert f"申请 {req.number} 已接受（分配 2 个工位）。" in page and "已已" not in page


def test_inbox_rows_name_the_project_and_tenderee_and_search_finds_them(login_as, world, users):
    req = _submitted(world, users)
    project = db.session.get(Project, world["section"].project_id)
    client = login_as("staff-jilin")
    inbox = client.get("/bookings/inbox").get_data(as_text=True)
    assert f"{project.name} · {world['section'].name}" in inbox and f"招标人：{project.tenderee}" in inbox
    assert req.number in client.get("/bookings/inbox", query_string={"q": project.tenderee[:4]}).get_data(as_text=True)
    assert req.number not in client.get("/bookings/inbox", query_string={"q": "没有这个招标人"}).get_data(as_text=True)


def test_the_guest_prints_its_seat_confirmation_once_it_accepted(login_as, world, users):
    req = _submitted(world, users)
    staff = login_as("staff-jilin")
    before = staff.get(f"/bookings/{req.id}/confirmation").get_data(as_text=True)
    assert "客场接受并分配工位后才有确认函" in before and "（盖章）" not in before
    _accept(staff, req, world["stations"][:2])
    page = staff.get(f"/bookings/{req.id}").get_data(as_text=True)
    assert f"/bookings/{req.id}/confirmation" in page
    letter = login_as("agent").get(f"/bookings/{req.id}/confirmation").get_data(as_text=True)
    assert "远程异地评标客场确认函" in letter and "JL-01" in letter and "JL-02" in letter
    assert "安排评标工位 2 个" in letter and f"{world['jilin'].name}（盖章）" in letter


def test_the_feed_gives_each_event_one_uid_whatever_host_it_is_read_under(login_as, world, users, client):
    """One calendar subscribed through the portal's IP address and its name must not show the booking twice."""
    req = _accepted(login_as, world, users)
    page = login_as("staff-jilin").post("/bookings/feeds", data={"label": "值班室日历"}).get_data(as_text=True)
    path = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0].split("localhost", 1)[-1]
    uids = []
    for host in ("portal.example", "10.0.0.8"):
        [event] = Calendar.from_ical(client.get(path, headers={"Host": host}).data).walk("VEVENT")
        uids.append(str(event["UID"]))
    assert req.number and uids[0] == uids[1] and "portal.example" not in uids[0] and "10.0.0.8" not in uids[0]
