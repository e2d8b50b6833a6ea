"""Shortages caught before they bite (issue 22, item 1): the filing page, the refusal, the guest inbox, the
answer page and the committee form all count a guest center's eligible experts the way its draw will."""
import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.bookings.models import SeatRequest, SeatRequestSpecialty
from portal.bookings.rules import Status
from portal.bookings.services import answering
from portal.experts.models import Expert, Specialty
from portal.experts.rules import Status as ExpertStatus
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.workstations.models import Workstation
from tests import factories
from tests.conftest import counted_queries

SIPING = "四平市公共资源交易中心"
TENDEREE = "长春市城市建设局"   # factories.make_project's tenderee


@pytest.fixture
def world(orgs, users):
    """A section of the agent evaluated in 长春; 吉林市 and 四平市 with workstations.

    吉林 pool: 3 experts of A0101 shared province-wide, 2 more employed by the tenderee, 2 kept local.
    四平 pool: 4 experts of A0101 shared province-wide.
    """
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin, siping = orgs.center(factories.JILIN_CITY), orgs.center(SIPING)
    for center, prefix in ((jilin, "JL"), (siping, "SP")):
        venue = factories.make_venue(center)
        for i in range(1, 6):
            factories.make_workstation(venue, f"{prefix}-{i:02d}")
    factories.stock_pool(orgs.region("jilin"), count=3, codes=("A0101",), serial=500)
    factories.stock_pool(orgs.region("jilin"), count=2, codes=("A0101",), employer=TENDEREE, serial=510)
    for n in range(2):
        factories.make_expert(orgs.region("jilin"), factories.valid_id_number(520 + n, prefix="220202"),
                              codes=("A0101",), share_scope="local")
    siping_region = orgs.region("siping")
    for n in range(4):
        factories.make_expert(siping_region, factories.valid_id_number(530 + n, prefix="220302"), codes=("A0101",))
    db.session.commit()
    a0101 = db.session.scalars(select(Specialty).filter_by(code="A0101")).one()
    return {"section": section, "project": project, "day": day, "jilin": jilin, "siping": siping, "a0101": a0101}


def _file(client, world, center, seats, action="submit"):
    return client.post(f"/bookings/new?section={world['section'].id}", data={
        "evaluation_date": world["day"].isoformat(), "start_time": "09:00", "duration_minutes": "240",
        "committee_size": "9", "notes": "", "guests-0-center_id": str(center.id), "guests-0-seats": str(seats),
        "guests-0-specialty_ids": str(world["a0101"].id), "guests-1-center_id": "", "guests-1-seats": "",
        "guests-2-center_id": "", "guests-2-seats": "", "action": action})


def test_the_filing_page_shows_each_centers_eligible_experts_after_avoidance(login_as, world):
    page = login_as("agent").get(f"/bookings/availability?section={world['section'].id}"
                                 f"&evaluation_date={world['day']}&seats=4&specialty_ids={world['a0101'].id}")
    text = page.get_data(as_text=True)
    jilin_row = text[text.index(factories.JILIN_CITY):].split("</tr>")[0]
    siping_row = text[text.index(SIPING):].split("</tr>")[0]
    # 吉林: 7 experts hold A0101, but 2 work for the tenderee and 2 are not shared beyond 吉林地区.
    assert "A0101：3 人" in jilin_row and "不足" in jilin_row
    assert "A0101：4 人" in siping_row and "不足" not in siping_row


def test_a_request_to_a_center_short_of_experts_is_refused_naming_the_shortage_and_who_has_enough(login_as, world):
    client = login_as("agent")
    page = _file(client, world, world["jilin"], 4)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f"{factories.JILIN_CITY}符合条件的专家不足：“A0101 土建施工”只有 3 人" in text
    assert "少于申请的客场专家 4 人" in text
    assert f"专家数量足够的交易中心：{SIPING}" in text
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.object_type == "seat_request")) == 0
    # Exactly enough is enough: 3 seats at 吉林, and the 4 at 四平 the refusal pointed to.
    assert _file(client, world, world["jilin"], 3).status_code == 303
    assert _file(client, world, world["siping"], 4).status_code == 303


def test_a_draft_is_checked_for_experts_when_saved_and_again_when_submitted(login_as, world):
    client = login_as("agent")
    assert _file(client, world, world["jilin"], 4, action="draft").status_code == 422
    factories.stock_pool(factories.OrgIndex().region("jilin"), count=1, codes=("A0101",), serial=540)
    db.session.commit()
    assert _file(client, world, world["jilin"], 4, action="draft").status_code == 303
    [req] = db.session.scalars(select(SeatRequest)).all()
    # The pool shrinks again before the draft goes out: one expert retires (saved as the expert form saves).
    expert = db.session.scalars(select(Expert).where(Expert.id_number_is(factories.valid_id_number(540, "220202")))).one()
    factories.change_expert(expert, status=ExpertStatus.RETIRED.value)
    db.session.commit()
    page = client.post(f"/bookings/{req.id}/submit", data={"version": req.version})
    assert page.status_code == 422 and "只有 3 人" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SeatRequest, req.id).status is Status.DRAFT


def _request_to_jilin(world, users, seats):
    req = factories.make_seat_request(world["section"], world["jilin"], users["agent"], seats=seats, day=world["day"])
    db.session.add(SeatRequestSpecialty(request_id=req.id, specialty_id=world["a0101"].id, position=1))
    db.session.commit()
    return req


def test_the_guest_inbox_and_answer_page_show_the_same_counts(login_as, world, users):
    short = _request_to_jilin(world, users, 4)
    client = login_as("staff-jilin")
    inbox = client.get("/bookings/inbox").get_data(as_text=True)
    row = inbox[inbox.index(short.number):].split("</tr>")[0]
    assert "A0101 土建施工：3 人" in row and "不足" in row
    answer = client.get(f"/bookings/{short.id}/answer").get_data(as_text=True)
    assert "A0101 土建施工：3 人" in answer and "不足" in answer


def test_the_inbox_counts_experts_with_one_query_however_many_requests(login_as, world, users, orgs):
    client = login_as("staff-jilin")
    _request_to_jilin(world, users, 2)
    assert client.get("/bookings/inbox").status_code == 200     # warm: the pools are read once per pool version
    with counted_queries() as small:
        assert client.get("/bookings/inbox").status_code == 200
    for n in range(12):
        section = factories.make_section(world["project"], orgs.center(factories.CHANGCHUN), code=f"X{n:02d}",
                                         evaluation_date=world["day"])
        world_n = {**world, "section": section}
        _request_to_jilin(world_n, users, 1 + n % 3)
    with counted_queries() as large:
        page = client.get("/bookings/inbox")
    assert page.get_data(as_text=True).count("A0101 土建施工：3 人") == 13
    assert len(large) == len(small)


def test_fixing_the_committee_shows_each_venues_eligible_experts(login_as, world, users, orgs):
    req = _request_to_jilin(world, users, 2)
    stations = db.session.scalars(select(Workstation.id).where(
        Workstation.code.in_(["JL-01", "JL-02"]))).all()
    answering.accept(req, req.version, stations, "")
    factories.stock_pool(orgs.region("changchun"), count=2, codes=("A0101",), serial=550)
    db.session.commit()
    page = login_as("staff-changchun").get(f"/evaluations/new?section={world['section'].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    guest = text[text.index(f"客场（{factories.JILIN_CITY}）"):].split("</fieldset>")[0]
    main = text[text.index("主场（"):].split("</fieldset>")[0]
    assert "可抽取专家：A0101 土建施工：3 人" in guest
    assert "可抽取专家：A0101 土建施工：2 人" in main
