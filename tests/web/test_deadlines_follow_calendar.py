"""Filing deadlines that follow the calendar (issue 23 part 3): entering 2027's holiday notice moves the
stored deadline of an open request it affects, audits it and tells both sides; nothing else moves."""
from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.bookings.rules import Status
from portal.bookings.services.filing import set_deadline
from portal.calendar.services import current_version, deadline_for
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.notifications.models import Notification
from portal.bookings.models import SeatRequest
from tests import factories
from tests.web.test_calendar import NOTICE_2027

# Before the notice 2027 counts its statutory holidays only: 春节 2-05 (除夕) to 2-08 (初三). The notice adds
# 2-09 to 2-11 to the break, so an evaluation on Monday 2027-02-15 must be asked for a week earlier.
SPRING = date(2027, 2, 15)
LATER = date(2027, 3, 15)     # nothing of the notice lies between its deadline and the day


@pytest.fixture
def requests(orgs, users):
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    jilin = orgs.center(factories.JILIN_CITY)
    made = {}
    for code, day, status in (("01", SPRING, Status.SUBMITTED), ("02", LATER, Status.SUBMITTED),
                              ("03", SPRING, Status.WITHDRAWN)):
        section = factories.make_section(project, orgs.center(factories.CHANGCHUN), code=code, evaluation_date=day)
        req = factories.make_seat_request(section, jilin, users["agent"], day=day, status=status)
        set_deadline(req, deadline_for(day))
        made[code] = req
    db.session.commit()
    return made


def test_pasting_the_2027_notice_moves_an_open_requests_deadline_and_tells_both_sides(login_as, users, requests):
    spring = requests["01"]
    assert spring.latest_filing_date == date(2027, 2, 10)
    version = spring.deadline_version
    assert version == current_version()
    response = login_as("province").post("/calendar/notice", data={"year": "2027", "text": NOTICE_2027,
                                                                  "action": "confirm"})
    assert response.status_code == 303
    db.session.rollback()
    moved = db.session.get(SeatRequest, spring.id)
    g.pop("work_calendar", None)   # the test's own context cached the calendar before the notice
    assert moved.latest_filing_date == date(2027, 2, 3) == deadline_for(SPRING).latest_filing_date
    assert moved.deadline_version == current_version() != version
    assert "调休安排尚未公布" not in moved.deadline_rule
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "seat_request",
                                                        AuditEntry.action == "deadline")).one()
    assert entry.object_id == spring.id and "由 2027-02-10 改为 2027-02-03" in entry.summary
    told = {n.user_id: n for n in db.session.scalars(select(Notification))}
    # The agent who filed, the main center's staff and the guest center's staff; not the admin who pasted.
    assert set(told) == {users["agent"].id, users["staff-changchun"].id, users["staff-jilin"].id}
    assert all("最迟提交日期由 2027-02-10 改为 2027-02-03" in n.text and n.link == f"/bookings/{spring.id}"
               for n in told.values())
    # The March request keeps its date (its wording now says 2027 is announced); the withdrawn one is left alone.
    later = db.session.get(SeatRequest, requests["02"].id)
    assert later.latest_filing_date == deadline_for(LATER).latest_filing_date and later.deadline_version == current_version()
    withdrawn = db.session.get(SeatRequest, requests["03"].id)
    assert withdrawn.latest_filing_date == date(2027, 2, 10) and withdrawn.deadline_version == version


def test_a_refused_notice_moves_nothing(login_as, requests):
    broken = NOTICE_2027.replace("三、清明节：4月3日（周六）", "三、清明节：4月3日（周二）")
    response = login_as("province").post("/calendar/notice", data={"year": "2027", "text": broken,
                                                                  "action": "confirm"})
    assert response.status_code == 422
    db.session.rollback()
    assert db.session.get(SeatRequest, requests["01"].id).latest_filing_date == date(2027, 2, 10)
    assert db.session.scalars(select(Notification)).all() == []


def test_a_single_override_moves_the_deadlines_it_touches(login_as, requests):
    """Entering one day by hand is a calendar change too: 2027-02-12 (Friday) off moves the spring deadline."""
    response = login_as("province").post("/calendar/overrides", data={
        "day": "2027-02-12", "working": "off", "notice": "某通知", "note": "调休"})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(SeatRequest, requests["01"].id).latest_filing_date == date(2027, 2, 9)
    assert db.session.get(SeatRequest, requests["02"].id).latest_filing_date == date(2027, 3, 10)


def test_a_new_deadline_setting_moves_the_stored_deadlines_too(login_as, requests):
    """Four working days instead of three: the March request's deadline goes one working day back."""
    before = requests["02"].latest_filing_date
    response = login_as("province").post("/calendar/settings", data={"lead_working_days": "4"})
    assert response.status_code == 303
    db.session.rollback()
    later = db.session.get(SeatRequest, requests["02"].id)
    assert later.latest_filing_date == date(2027, 3, 9) and before == date(2027, 3, 10)
    assert "评标开始前 4 个工作日" in later.deadline_rule
    assert db.session.scalars(select(Notification).where(Notification.text.contains("2027-03-09"))).all()
