"""Sections cannot drift from their bookings (issue 22 item 4): with live requests the evaluation date, start
time and main center are read-only and a direct edit is refused; a change of price, category or
prequalification re-runs the scope decision and tells the guest centers; after the end everything is frozen."""
from datetime import time
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.bookings.rules import Status
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.notifications.models import Notification
from portal.projects.models import Section
from portal.projects.rules import Level
from tests import factories


@pytest.fixture
def held(orgs, users):
    """A section of the agent evaluated in 长春 with a request waiting at 吉林市."""
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    req = factories.make_seat_request(section, orgs.center(factories.JILIN_CITY), users["agent"], day=day)
    db.session.commit()
    return {"section": section, "req": req, "day": day}


def _data(orgs, held, **changes):
    data = {"code": "01", "name": "01 标段", "category": "construction", "contract_estimate_wan": "1200",
            "investment_estimate_wan": "", "budget_wan": "", "main_center_id": str(orgs.center(factories.CHANGCHUN).id),
            "evaluation_date": held["day"].isoformat(), "start_time": "09:00", "mandatory_tender": "yes"}
    data.update(changes)
    return data


def _edit(client, held, data):
    return client.post(f"/projects/sections/{held['section'].id}/edit", data=data)


def _audits():
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.object_type == "section"))


def test_the_form_shows_the_timing_read_only_and_why(login_as, held):
    page = login_as("agent").get(f"/projects/sections/{held['section'].id}/edit").get_data(as_text=True)
    assert "只能通过场地变更申请调整" in page and held["req"].number in page
    date_input = next(tag for tag in page.split("<") if tag.startswith("input") and 'id="evaluation_date"' in tag)
    assert "disabled" in date_input
    assert f'<input type="hidden" name="evaluation_date" value="{held["day"].isoformat()}">' in page


@pytest.mark.parametrize("changes", [
    {"evaluation_date": "EVAL+1"}, {"start_time": "13:30"}, {"main_center_id": "YUSHU"},
])
def test_a_direct_edit_of_the_timing_is_refused_and_changes_nothing(login_as, orgs, held, changes):
    if changes.get("evaluation_date") == "EVAL+1":
        changes = {"evaluation_date": factories.working_day(11).isoformat()}
    if changes.get("main_center_id") == "YUSHU":
        changes = {"main_center_id": str(orgs.center(factories.YUSHU).id)}
    audits = _audits()
    response = _edit(login_as("agent"), held, _data(orgs, held, name="改了名称", **changes))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "只能通过场地变更申请调整" in text and "本次修改未保存" in text
    db.session.rollback()
    section = db.session.get(Section, held["section"].id)
    assert (section.name, section.evaluation_date, section.start_time) == ("01 标段", held["day"], time(9, 0))
    assert _audits() == audits


def test_other_fields_of_a_held_section_still_save(login_as, orgs, held):
    response = _edit(login_as("agent"), held, _data(orgs, held, name="改了名称"))
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Section, held["section"].id).name == "改了名称"
    assert db.session.scalar(select(func.count(Notification.id))) == 0   # nothing the guest side decides on


def test_a_price_change_re_runs_the_scope_decision_and_tells_the_guest_center(login_as, orgs, users, held):
    response = _edit(login_as("agent"), held, _data(orgs, held, contract_estimate_wan="300"))
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Section, held["section"].id).remote_level is Level.NOT_REQUIRED
    told = db.session.scalars(select(Notification).where(Notification.user_id == users["staff-jilin"].id)).all()
    assert len(told) == 1
    assert "合同估算价已修改" in told[0].text and "原为" in told[0].text
    assert told[0].link == f"/bookings/{held['req'].id}"


def test_a_withdrawn_request_no_longer_holds_the_section(login_as, orgs, held):
    held["req"].status = Status.WITHDRAWN
    db.session.commit()
    later = factories.working_day(11)
    assert _edit(login_as("agent"), held, _data(orgs, held, evaluation_date=later.isoformat())).status_code == 303
    db.session.rollback()
    assert db.session.get(Section, held["section"].id).evaluation_date == later


def test_after_the_evaluation_the_price_category_and_prequalification_are_frozen(login_as, orgs, held):
    held["req"].status = Status.COMPLETED
    db.session.commit()
    client = login_as("agent")
    page = client.get(f"/projects/sections/{held['section'].id}/edit").get_data(as_text=True)
    assert "评审已经结束" in page
    for changes in ({"contract_estimate_wan": "300"}, {"category": "goods"}, {"prequalification": "y"}):
        response = _edit(client, held, _data(orgs, held, **changes))
        assert response.status_code == 422 and "已冻结" in response.get_data(as_text=True)
    assert _edit(client, held, _data(orgs, held, name="归档名称")).status_code == 303


def test_one_evaluation_date_for_a_section_and_all_its_requests(login_as, orgs, users):
    """The first request filed for another day carries the section along; a second must keep that day."""
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=factories.working_day(10))
    for name, prefix, region in ((factories.JILIN_CITY, "JL", "jilin"), (factories.YUSHU, "YS", "changchun")):
        venue = factories.make_venue(orgs.center(name))
        factories.make_workstation(venue, f"{prefix}-01")
        factories.stock_pool(orgs.region(region), count=1, serial=800 if region == "jilin" else 810)
    db.session.commit()
    client = login_as("agent")
    moved = factories.working_day(12)

    def file(center, day):
        return client.post(f"/bookings/new?section={section.id}", data={
            "evaluation_date": day.isoformat(), "start_time": "09:30", "duration_minutes": "240",
            "committee_size": "5", "guests-0-center_id": str(orgs.center(center).id), "guests-0-seats": "1",
            "action": "submit"})

    assert file(factories.JILIN_CITY, moved).status_code == 303
    db.session.rollback()
    stored = db.session.get(Section, section.id)
    assert (stored.evaluation_date, stored.start_time) == (moved, time(9, 30))
    page = file(factories.YUSHU, factories.working_day(13))
    assert page.status_code == 422 and f"评标日期和开始时间须与之一致（{moved:%Y-%m-%d} 09:30）" in page.get_data(as_text=True)
    assert file(factories.YUSHU, moved).status_code == 303


def test_the_end_instruction_freezes_the_section_though_its_request_is_still_accepted(login_as, orgs, held):
    from portal.bookings.rules import evaluation_range
    from portal.evaluations.models import Evaluation
    from portal.models_base import utcnow

    held["req"].status = Status.ACCEPTED
    section = held["section"]
    db.session.add(Evaluation(section_id=section.id, main_center_id=section.main_center_id,
                              evaluation_date=held["day"], start_time=time(9, 0), duration_minutes=240,
                              starts_at=evaluation_range(held["day"], time(9, 0), 240)[0], committee_size=5,
                              ended_at=utcnow()))
    db.session.commit()
    response = _edit(login_as("agent"), held, _data(orgs, held, contract_estimate_wan="300"))
    assert response.status_code == 422 and "评审已经结束" in response.get_data(as_text=True)


def test_a_section_with_a_cross_province_request_cannot_become_a_prequalification(login_as, orgs, held):
    held["req"].cross_province = True
    db.session.commit()
    client = login_as("agent")
    response = _edit(client, held, _data(orgs, held, prequalification="y"))
    assert response.status_code == 422 and "资格预审项目暂不列入跨省" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Section, held["section"].id).prequalification is False


class _Fields(HTMLParser):
    """What a browser posts of the section form as rendered: enabled controls and hidden copies."""

    def __init__(self):
        super().__init__()
        self.data, self.disabled_fieldset, self.select = [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset":
            self.disabled_fieldset += 1 if "disabled" in a else 0
        disabled = "disabled" in a or self.disabled_fieldset
        if tag == "input" and a.get("name") and not disabled:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((a["name"], a.get("value", "")))
        if tag == "select":
            self.select = None if disabled else a.get("name")
        if tag == "option" and self.select and "selected" in a:
            self.data.append((self.select, a.get("value", "")))
        if tag == "textarea" and not disabled:
            self.data.append((a["name"], ""))

    def handle_endtag(self, tag):
        if tag == "fieldset" and self.disabled_fieldset:
            self.disabled_fieldset -= 1
        if tag == "select":
            self.select = None


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.COMPLETED])
def test_the_locked_form_as_rendered_posts_back_and_saves(login_as, held, status):
    held["req"].status = status
    db.session.commit()
    client = login_as("agent")
    page = client.get(f"/projects/sections/{held['section'].id}/edit").get_data(as_text=True)
    start = page.index('id="section-form"')
    form = page[start:page.index("</form>", start)]
    parser = _Fields()
    parser.feed(form)
    from werkzeug.datastructures import MultiDict

    data = MultiDict([(k, v) for k, v in parser.data if k != "name"] + [("name", "只改名称")])
    response = client.post(f"/projects/sections/{held['section'].id}/edit", data=data)
    assert ("evaluation_date", held["day"].isoformat()) in parser.data   # the hidden copy of the disabled field
    assert response.status_code == 303
    db.session.rollback()
    section = db.session.get(Section, held["section"].id)
    assert (section.name, section.evaluation_date, section.start_time) == ("只改名称", held["day"], time(9, 0))
