"""Change requests (场地变更) of accepted bookings through the Flask client: the original holds its workstations
until the guest center accepts, then the swap is atomic; a refusal changes nothing; a change into the filing
window needs the guest center's recorded agreement; the request's timeline tells the whole story."""
from datetime import time

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.bookings.models import Booking, ChangeStatus, SeatChange, SeatRequest
from portal.bookings.rules import Status, evaluation_range
from portal.calendar.services import load_calendar
from portal.clock import to_china
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.templating import china_today
from portal.workstations import local_use
from portal.workstations.models import WorkstationHold
from tests import factories


@pytest.fixture
def booked(orgs, users, login_as):
    """An agent's 长春 section with 2 guest seats accepted at 吉林市 (JL-01, JL-02 of four), 09:00-13:00."""
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin = orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin)
    stations = [factories.make_workstation(venue, f"JL-{i:02d}") for i in range(1, 5)]
    factories.stock_pool(orgs.region("jilin"))   # enough eligible guest experts (rules 3.5)
    req = factories.make_seat_request(section, jilin, users["agent"], seats=2, day=day)
    db.session.commit()
    response = login_as("staff-jilin").post(f"/bookings/{req.id}/answer", data={
        "version": req.version, "workstation_ids": [str(w.id) for w in stations[:2]], "reason": ""})
    assert response.status_code == 303
    return {"req": _req(req.id), "day": day, "stations": stations, "jilin": jilin, "section": section}


def _req(request_id) -> SeatRequest:
    db.session.expire_all()
    return db.session.get(SeatRequest, request_id)


def _ask(client, req, **changes):
    data = {"version": req.version, "evaluation_date": req.evaluation_date.isoformat(), "start_time": "11:00",
            "duration_minutes": "240", "seats_requested": "2", "reason": "开标时间推迟两小时"}
    data.update(changes)
    return client.post(f"/bookings/{req.id}/change", data=data)


def _answer(client, req, stations, **extra):
    change = db.session.scalars(select(SeatChange).where(SeatChange.status == ChangeStatus.PENDING)).one()
    data = {"version": req.version, "change_id": change.id, "workstation_ids": [str(w.id) for w in stations],
            "note": ""}
    data.update(extra)
    return client.post(f"/bookings/{req.id}/change/answer", data=data)


def _active_holds():
    db.session.expire_all()
    return db.session.execute(select(WorkstationHold.workstation_id, WorkstationHold.starts_at)
                              .where(WorkstationHold.active.is_(True))
                              .order_by(WorkstationHold.workstation_id)).all()


def test_the_original_holds_until_the_guest_accepts_then_the_swap_frees_old_and_holds_new(booked, login_as):
    req, stations = booked["req"], booked["stations"]
    old_starts = req.starts_at
    assert _ask(login_as("agent"), req).status_code == 303
    req = _req(req.id)
    # Filed: the booking is unchanged, its workstations still held at the old time.
    assert req.status is Status.ACCEPTED and req.start_time == time(9)
    assert [w for w, _ in _active_holds()] == [stations[0].id, stations[1].id]
    guest = login_as("staff-jilin")
    page = guest.get(f"/bookings/{req.id}/change/answer").get_data(as_text=True)
    assert "11:00 起 4 小时" in page and "JL-01" in page
    # 11:00-15:00 overlaps the old 09:00-13:00 on the same workstations: allowed, the old are released first.
    assert _answer(guest, req, stations[:2]).status_code == 303
    req = _req(req.id)
    new_starts, _ = evaluation_range(req.evaluation_date, time(11), 240)
    assert req.start_time == time(11) and req.status is Status.ACCEPTED and req.revision == 1
    from portal.projects.models import Section
    assert db.session.get(Section, req.section_id).start_time == time(11)   # one current time for the section
    holds = _active_holds()
    assert [w for w, _ in holds] == [stations[0].id, stations[1].id]
    assert {to_china(s) for _, s in holds} == {to_china(new_starts)}
    bookings = db.session.scalars(select(Booking).order_by(Booking.id)).all()
    assert [(b.active, to_china(b.starts_at) == to_china(old_starts)) for b in bookings] == [
        (False, True), (False, True), (True, False), (True, False)]
    assert all("场地变更" in b.released_reason for b in bookings if not b.active)
    # The timeline of the request holds the whole story.
    summaries = db.session.scalars(select(AuditEntry.summary).where(
        AuditEntry.object_type == "seat_request", AuditEntry.object_id == req.id).order_by(AuditEntry.id)).all()
    assert any(s.startswith("申请场地变更") and "原预订仍然有效" in s for s in summaries)
    assert any(s.startswith("接受场地变更") and "原时段的工位已释放" in s for s in summaries)
    shown = login_as("agent").get(f"/bookings/{req.id}").get_data(as_text=True)
    assert "接受场地变更" in shown and "已接受" in shown


def test_the_new_seats_may_be_fewer_and_other_workstations(booked, login_as):
    req, stations = booked["req"], booked["stations"]
    assert _ask(login_as("agent"), req, seats_requested="1", start_time="14:00").status_code == 303
    assert _answer(login_as("staff-jilin"), _req(req.id), [stations[3]]).status_code == 303
    req = _req(req.id)
    assert req.seats_requested == 1 and req.seats_accepted == 1
    assert [w for w, _ in _active_holds()] == [stations[3].id]


def test_a_taken_workstation_at_the_new_time_refuses_the_swap_and_the_original_stays(booked, login_as):
    req, stations = booked["req"], booked["stations"]
    assert _ask(login_as("agent"), req, start_time="14:00").status_code == 303
    # 吉林市 uses JL-03 locally that afternoon.
    local_use.create(booked["jilin"].id, {"purpose": "maintenance", "title": "更换摄像头",
                                          "first_date": req.evaluation_date, "start_time": time(15),
                                          "end_time": time(16), "workstation_ids": [stations[2].id]}, china_today())
    db.session.commit()
    response = _answer(login_as("staff-jilin"), _req(req.id), [stations[0], stations[2]])
    assert response.status_code == 422
    assert "工位 JL-03" in response.get_data(as_text=True) and "已被维护“更换摄像头”占用" in response.get_data(as_text=True)
    req = _req(req.id)
    assert req.start_time == time(9) and req.status is Status.ACCEPTED
    holds = _active_holds()
    assert sorted(w for w, _ in holds) == sorted([stations[0].id, stations[1].id, stations[2].id])
    assert db.session.scalars(select(SeatChange.status)).one() is ChangeStatus.PENDING


def test_a_rejection_needs_a_reason_and_keeps_the_original(booked, login_as):
    req = booked["req"]
    assert _ask(login_as("agent"), req).status_code == 303
    guest = login_as("staff-jilin")
    change = db.session.scalars(select(SeatChange)).one()
    refused = guest.post(f"/bookings/{req.id}/change/reject", data={"version": _req(req.id).version,
                                                                     "change_id": change.id, "reason": ""})
    assert refused.status_code == 422 and "拒绝场地变更须填写原因" in refused.get_data(as_text=True)
    assert guest.post(f"/bookings/{req.id}/change/reject", data={
        "version": _req(req.id).version, "change_id": change.id, "reason": "当天下午工位已有安排"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(SeatChange, change.id).status is ChangeStatus.REJECTED
    req = _req(req.id)
    assert req.start_time == time(9) and len(_active_holds()) == 2
    # Once answered, another change may be asked for.
    assert _ask(login_as("agent"), req, start_time="08:30").status_code == 303


def test_one_open_change_at_a_time_and_it_can_be_withdrawn(booked, login_as):
    req = booked["req"]
    agent = login_as("agent")
    assert _ask(agent, req).status_code == 303
    second = _ask(agent, _req(req.id), start_time="14:00")
    assert second.status_code == 200 and "已有待客场确认的场地变更" in second.get_data(as_text=True) \
        or second.status_code == 422
    change = db.session.scalars(select(SeatChange)).one()
    assert agent.post(f"/bookings/{req.id}/change/withdraw", data={
        "version": _req(req.id).version, "change_id": change.id}).status_code == 303
    db.session.expire_all()
    assert db.session.get(SeatChange, change.id).status is ChangeStatus.WITHDRAWN
    assert _req(req.id).start_time == time(9)


@pytest.mark.parametrize("changes, message", [
    ({"start_time": "09:00"}, "与原预订相同"),
    ({"reason": ""}, "请填写变更原因"),
    ({"seats_requested": "0"}, "机位数"),
    ({"seats_requested": "51"}, "申请机位数应在 1 至 50 个之间"),
    ({"evaluation_date": "2020-01-02"}, "不能早于今天"),
    ({"version": ""}, "页面已过期"),
])
def test_bad_change_requests_are_refused_and_nothing_is_filed(booked, login_as, changes, message):
    response = _ask(login_as("agent"), booked["req"], **changes)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalars(select(SeatChange)).all() == []


def test_a_change_into_the_filing_window_needs_the_guest_centers_recorded_agreement(booked, login_as):
    req, stations = booked["req"], booked["stations"]
    close = load_calendar().add_working_days(china_today(), 1)
    assert _ask(login_as("agent"), req, evaluation_date=close.isoformat()).status_code == 303
    change = db.session.scalars(select(SeatChange)).one()
    assert change.late
    guest = login_as("staff-jilin")
    assert "除非客场同意" in guest.get(f"/bookings/{req.id}/change/answer").get_data(as_text=True)
    refused = _answer(guest, _req(req.id), stations[:2])
    assert refused.status_code == 422 and "同意在申请期限内变更" in refused.get_data(as_text=True)
    assert _req(req.id).evaluation_date == booked["day"]
    assert _answer(guest, _req(req.id), stations[:2], agreed_late="y").status_code == 303
    db.session.expire_all()
    assert db.session.get(SeatChange, change.id).late_agreed is True
    assert _req(req.id).evaluation_date == close


def test_only_the_guest_side_answers_and_only_the_main_side_asks(booked, login_as):
    req = booked["req"]
    # The guest center's staff are outside the main side's scope: the change form does not exist for them.
    assert login_as("staff-jilin").post(f"/bookings/{req.id}/change", data={}).status_code == 404
    assert _ask(login_as("agent"), req).status_code == 303
    assert login_as("agent").post(f"/bookings/{req.id}/change/answer", data={}).status_code == 403
    # The main center's staff are not the guest side (404: outside the answering scope); nor is an admin (403).
    assert login_as("staff-changchun").get(f"/bookings/{req.id}/change/answer").status_code == 404
    assert login_as("jilin").get(f"/bookings/{req.id}/change/answer").status_code == 403


def test_a_booking_with_a_fixed_committee_cannot_be_changed(booked, login_as):
    """The seats are the evaluation's once the main venue fixed its committee with this guest venue."""
    from portal.bookings.services import common

    common.seat_users.append(lambda request_id: request_id == booked["req"].id)
    try:
        response = _ask(login_as("agent"), booked["req"])
    finally:
        common.seat_users.pop()
    assert response.status_code == 422 and "不能申请场地变更" in response.get_data(as_text=True)


def test_the_change_day_and_its_old_day_are_both_shown_in_the_guest_calendar_after_the_swap(booked, login_as):
    req, stations = booked["req"], booked["stations"]
    next_day = load_calendar().add_working_days(req.evaluation_date, 1)
    assert _ask(login_as("agent"), req, evaluation_date=next_day.isoformat(), start_time="09:00").status_code == 303
    assert _answer(login_as("staff-jilin"), _req(req.id), stations[:2]).status_code == 303
    calendar = login_as("staff-jilin")
    old = calendar.get(f"/bookings/calendar?view=day&date={req.evaluation_date}").get_data(as_text=True)
    new = calendar.get(f"/bookings/calendar?view=day&date={next_day}").get_data(as_text=True)
    assert req.number not in old and req.number in new
    assert to_china(_active_holds()[0][1]).date() == next_day


def test_a_section_with_another_live_request_cannot_move_one_booking_alone(booked, login_as, orgs, users):
    yushu = orgs.center(factories.YUSHU)
    factories.make_workstation(factories.make_venue(yushu), "YS-01")
    factories.make_seat_request(booked["section"], yushu, users["agent"], seats=1, day=booked["day"])
    db.session.commit()
    response = _ask(login_as("agent"), booked["req"])
    assert response.status_code == 422 and "不能只变更其中一个预订的日期或时间" in response.get_data(as_text=True)
    # Its seat count may still change.
    assert _ask(login_as("agent"), _req(booked["req"].id), start_time="09:00", seats_requested="1").status_code == 303
