"""Local use of workstations through the Flask client: local evaluations and maintenance blocks hold the
center's workstations together with guest bookings and sign-ins (one database guarantee), and every count of
free workstations sees them."""
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.bookings.services import answering as booking_services
from portal.bookings.services.common import BookingConflict
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.templating import china_today
from portal.workstations.models import HoldPurpose, LocalUse, WorkstationHold
from tests import factories


@pytest.fixture
def place(orgs, users):
    """长春 with three workstations; an agent's section evaluated at 吉林市 that may ask 长春 for guest seats."""
    factories.load_thresholds()
    load_starter_specialties()
    changchun = orgs.center(factories.CHANGCHUN)
    venue = factories.make_venue(changchun)
    stations = [factories.make_workstation(venue, f"CC-A0{i}") for i in range(1, 4)]
    when = factories.working_day(10)
    project = factories.make_project(users["agent"], orgs.region("jilin"))
    section = factories.make_section(project, orgs.center(factories.JILIN_CITY), evaluation_date=when)
    own_project = factories.make_project(users["agent"], orgs.region("changchun"), code="CCZB-2026-0002")
    own_section = factories.make_section(own_project, changchun, code="L1", evaluation_date=when)
    db.session.commit()
    return {"center": changchun, "stations": stations, "when": when, "section": section,
            "own_section": own_section, "jilin": orgs.center(factories.JILIN_CITY)}


def _data(place, **changes):
    data = {"purpose": "local_evaluation", "section_id": "", "title": "长春市本地道路工程评标",
            "first_date": place["when"].isoformat(), "last_date": "", "weekday": "",
            "start_time": "09:00", "end_time": "13:00", "workstation_ids": [str(place["stations"][0].id)]}
    data.update(changes)
    return data


def _holds(active=True):
    db.session.expire_all()
    stmt = select(WorkstationHold).order_by(WorkstationHold.starts_at)
    if active is not None:
        stmt = stmt.where(WorkstationHold.active.is_(active))
    return db.session.scalars(stmt).all()


def test_staff_record_a_local_evaluation_which_holds_the_workstations_and_is_audited(login_as, place):
    client = login_as("staff-changchun")
    stations = [str(w.id) for w in place["stations"][:2]]
    response = client.post("/workstations/local-use/new", data=_data(place, workstation_ids=stations))
    assert response.status_code == 303
    (use,) = db.session.scalars(select(LocalUse)).all()
    assert use.seats == 2 and use.purpose is HoldPurpose.LOCAL_EVALUATION
    holds = _holds()
    assert [h.workstation_id for h in holds] == sorted(w.id for w in place["stations"][:2])
    assert all(h.purpose is HoldPurpose.LOCAL_EVALUATION and h.local_use_id == use.id for h in holds)
    page = client.get("/workstations/local-use").get_data(as_text=True)
    assert "长春市本地道路工程评标" in page and "CC-A01、CC-A02" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.object_type == "local_use", AuditEntry.action == "create")) == 1


def test_a_local_evaluation_of_an_own_section_takes_its_name(login_as, place):
    client = login_as("staff-changchun")
    response = client.post("/workstations/local-use/new",
                           data=_data(place, title="", section_id=str(place["own_section"].id)))
    assert response.status_code == 303
    assert db.session.scalars(select(LocalUse.section_id)).one() == place["own_section"].id
    # Another center's section is not this center's to use locally.
    refused = client.post("/workstations/local-use/new",
                          data=_data(place, title="", section_id=str(place["section"].id)))
    assert refused.status_code == 422 and "只能选择本中心作为主场的标段" in refused.get_data(as_text=True)


def test_a_weekly_maintenance_block_expands_into_one_hold_per_tuesday(login_as, place):
    today = china_today()
    first_tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    data = _data(place, purpose="maintenance", title="每周二上午设备巡检", first_date=today.isoformat(),
                 last_date=(first_tuesday + timedelta(weeks=3)).isoformat(), weekday="1",
                 start_time="08:30", end_time="12:00")
    assert login_as("staff-changchun").post("/workstations/local-use/new", data=data).status_code == 303
    holds = _holds()
    assert len(holds) == 4
    assert all(h.purpose is HoldPurpose.MAINTENANCE for h in holds)
    from portal.clock import to_china
    assert [to_china(h.starts_at).date() for h in holds] == [first_tuesday + timedelta(weeks=i) for i in range(4)]
    assert {(to_china(h.starts_at).time(), to_china(h.ends_at).time()) for h in holds} == {(time(8, 30), time(12))}


@pytest.mark.parametrize("changes, message", [
    ({"end_time": "08:00"}, "结束时间应晚于开始时间"),
    ({"workstation_ids": []}, "请选择要占用的工位"),
    ({"title": ""}, "请填写项目名称"),
    ({"purpose": "maintenance", "title": ""}, "请填写维护原因"),
    ({"first_date": "2020-01-01"}, "开始日期不能早于今天"),
    ({"weekday": "1", "last_date": ""}, None),   # a weekday outside a one-day range: no such day
    ({"first_date": "不是日期"}, "日期"),
    ({"workstation_ids": ["999999"]}, "所选工位须为本中心可用的工位"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(login_as, place, changes, message):
    data = _data(place, **changes)
    if changes.get("weekday") == "1":
        data["weekday"] = str((place["when"].weekday() + 1) % 7)
        message = "所选日期范围内没有"
    response = login_as("staff-changchun").post("/workstations/local-use/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _holds(active=None) == [] and db.session.scalar(select(func.count()).select_from(LocalUse)) == 0


def test_a_workstation_booked_for_a_guest_seat_is_refused_saying_by_what(login_as, place, users):
    req = factories.make_seat_request(place["section"], place["center"], users["agent"], day=place["when"])
    db.session.commit()
    booking_services.accept(req, req.version, [place["stations"][0].id], "")
    db.session.commit()
    response = login_as("staff-changchun").post("/workstations/local-use/new", data=_data(place))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"工位 CC-A01 在 {place['when']:%Y-%m-%d} 09:00—13:00 已被申请 {req.number}" in page
    assert db.session.scalar(select(func.count()).select_from(LocalUse)) == 0
    # Back to back is no clash: the afternoon is free.
    later = login_as("staff-changchun").post("/workstations/local-use/new",
                                             data=_data(place, start_time="13:00", end_time="17:00"))
    assert later.status_code == 303


def test_a_guest_acceptance_is_refused_on_a_workstation_in_local_use_until_it_is_cancelled(login_as, place, users):
    client = login_as("staff-changchun")
    assert client.post("/workstations/local-use/new",
                       data=_data(place, purpose="maintenance", title="更换显示器")).status_code == 303
    req = factories.make_seat_request(place["section"], place["center"], users["agent"], seats=1, day=place["when"])
    db.session.commit()
    answer = client.post(f"/bookings/{req.id}/answer", data={"version": req.version, "reason": "",
                                                             "workstation_ids": [str(place["stations"][0].id)]})
    assert answer.status_code == 422
    assert "工位 CC-A01" in answer.get_data(as_text=True) and "已被维护“更换显示器”占用" in answer.get_data(as_text=True)
    # The offered list marks it taken, and the availability search counts it busy.
    assert "已占用" in client.get(f"/bookings/{req.id}/answer").get_data(as_text=True)
    # Cancelled, the workstation is free again and the acceptance goes through.
    use = db.session.scalars(select(LocalUse)).one()
    cancelled = client.post(f"/workstations/local-use/{use.id}/cancel", data={"reason": "显示器已到货提前更换"})
    assert cancelled.status_code == 303
    assert _holds() == [] and [h.released_reason for h in _holds(active=False)] == ["本地使用取消：显示器已到货提前更换"]
    db.session.expire_all()
    booking_services.accept(req, db.session.get(type(req), req.id).version, [place["stations"][0].id], "")
    db.session.commit()
    assert [h.purpose for h in _holds()] == [HoldPurpose.GUEST_BOOKING]


def test_the_service_refuses_an_overlap_even_without_the_page(place, users):
    """The acceptance's own check and the database refuse the second holder whatever page was shown."""
    from portal.workstations import local_use

    local_use.create(place["center"].id, {"purpose": "local_evaluation", "title": "本地项目",
                                          "first_date": place["when"], "start_time": time(10),
                                          "end_time": time(11), "workstation_ids": [place["stations"][0].id]},
                     china_today())
    db.session.commit()
    req = factories.make_seat_request(place["section"], place["center"], users["agent"], seats=1, day=place["when"])
    db.session.commit()
    with pytest.raises(BookingConflict, match="已被本地评标“本地项目”占用"):
        booking_services.accept(req, req.version, [place["stations"][0].id], "")
    db.session.rollback()


def test_the_directory_and_availability_count_local_use_as_busy(login_as, place, users):
    client = login_as("staff-changchun")
    stations = [str(w.id) for w in place["stations"][:2]]
    assert client.post("/workstations/local-use/new", data=_data(place, workstation_ids=stations)).status_code == 303
    url = (f"/bookings/availability?section={place['section'].id}&evaluation_date={place['when']}&seats=1"
           "&scope=in")
    page = login_as("agent").get(url).get_data(as_text=True)
    assert "1/3" in page
    assert "3/3" in login_as("agent").get(url + "&start_time=14:00").get_data(as_text=True)


def test_cancelling_is_for_the_centers_own_staff_and_needs_a_reason(login_as, place):
    client = login_as("staff-changchun")
    assert client.post("/workstations/local-use/new", data=_data(place)).status_code == 303
    use = db.session.scalars(select(LocalUse)).one()
    assert login_as("staff-jilin").post(f"/workstations/local-use/{use.id}/cancel",
                                        data={"reason": "x"}).status_code == 404
    refused = client.post(f"/workstations/local-use/{use.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and "请填写取消原因" in refused.get_data(as_text=True)
    assert len(_holds()) == 1


def test_the_directory_shows_free_now_without_the_workstations_held_at_this_moment(login_as, place):
    """A maintenance block running now takes a workstation out of 当前空闲 (it stays 当前可用: its status)."""
    import re

    from portal.models_base import utcnow

    now = utcnow()
    use = LocalUse(center_id=place["center"].id, purpose=HoldPurpose.MAINTENANCE, title="线路检修",
                   first_date=china_today(), last_date=china_today(), start_time=time(0), end_time=time(23, 59),
                   seats=1)
    db.session.add(use)
    db.session.flush()
    db.session.add(WorkstationHold(workstation_id=place["stations"][0].id, center_id=place["center"].id,
                                   starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
                                   purpose=HoldPurpose.MAINTENANCE, label="维护“线路检修”", local_use_id=use.id))
    # A booking of tomorrow does not count now.
    db.session.add(WorkstationHold(workstation_id=place["stations"][1].id, center_id=place["center"].id,
                                   starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=2),
                                   purpose=HoldPurpose.MAINTENANCE, label="维护“线路检修”", local_use_id=use.id))
    db.session.commit()
    page = login_as("agent").get(f"/workstations/?center={place['center'].id}").get_data(as_text=True)
    counts = page[page.index('id="ws-counts"'):page.index("</table>", page.index('id="ws-counts"'))]
    row = counts[counts.index(place["center"].name):]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[:5] == ["3", "0", "3", "0", "2"]


def test_the_center_calendar_and_its_ics_feed_show_local_use_and_maintenance(login_as, place, client):
    from icalendar import Calendar

    staff = login_as("staff-changchun")
    assert staff.post("/workstations/local-use/new", data=_data(place)).status_code == 303
    assert staff.post("/workstations/local-use/new", data=_data(
        place, purpose="maintenance", title="更换显示器", start_time="14:00", end_time="16:00",
        workstation_ids=[str(w.id) for w in place["stations"][1:]])).status_code == 303
    for view in ("day", "week"):
        page = staff.get(f"/bookings/calendar?view={view}&date={place['when']}").get_data(as_text=True)
        assert "本地评标“长春市本地道路工程评标”" in page and "09:00—13:00" in page, view
        assert "维护“更换显示器”" in page and "CC-A02、CC-A03" in page and "14:00—16:00" in page, view
    page = staff.post("/bookings/feeds", data={"label": "值班室日历"}).get_data(as_text=True)
    url = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
    feed = client.get(url.split("localhost", 1)[-1])
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    summaries = sorted(str(e["SUMMARY"]) for e in events)
    assert summaries == ["本中心自用 本地评标“长春市本地道路工程评标”（1 个工位）", "本中心自用 维护“更换显示器”（2 个工位）"]
    maintenance = next(e for e in events if "维护" in str(e["SUMMARY"]))
    assert "CC-A02、CC-A03" in str(maintenance["DESCRIPTION"])
    starts = maintenance.decoded("DTSTART")
    from portal.clock import to_china
    assert to_china(starts).date() == place["when"] and to_china(starts).time() == time(14)
