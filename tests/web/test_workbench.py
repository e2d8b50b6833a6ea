"""The workbench (工作台) on each role's home page: the real counts, due dates and links to act, per role."""
import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.bookings.rules import Status as RequestStatus
from portal.bookings.rules import evaluation_range
from portal.calendar.services import load_calendar
from portal.clock import utcnow
from portal.evaluations.models import (
    Clue,
    CommitteeMember,
    Evaluation,
    EvaluationVenue,
    ExpertDraw,
    Incident,
    MemberStatus,
)
from portal.experts.models import Specialty
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.orgs.models import Region, TradingCenter
from portal.projects.models import Exemption
from portal.reports import rules as report_rules
from portal.reports.models import MonthlyReport
from portal.templating import china_today
from tests import factories

SECRET_NAME = "保密专家甲"


def cards(page: str) -> dict[str, dict]:
    """{card key: {"count": n, "html": the card}} from a home page or the workbench fragment."""
    found = {}
    for key, html in re.findall(r'<article id="card-([a-z_]+)".*?>(.*?)</article>', page, re.S):
        found[key] = {"count": int(re.search(r'data-count="(\d+)"', html).group(1)), "html": html}
    return found


def home(client) -> dict[str, dict]:
    response = client.get("/")
    assert response.status_code == 200
    return cards(response.get_data(as_text=True))


@pytest.fixture
def world(orgs, users):
    """An agent's section evaluated in 长春 in ten working days, with a request waiting in 吉林市's inbox."""
    factories.load_thresholds()
    load_starter_specialties()
    project = factories.make_project(users["agent"], orgs.region("changchun"))
    day = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=day)
    jilin = orgs.center(factories.JILIN_CITY)
    req = factories.make_seat_request(section, jilin, users["agent"], seats=2, day=day)
    db.session.commit()
    return {"project": project, "section": section, "request": req, "day": day, "jilin": jilin,
            "changchun": orgs.center(factories.CHANGCHUN)}


def _ended_evaluation(world, requester, *, days_ago=10, handover_due=None, payment_due=None, with_member=False,
                      serial=77):
    """An evaluation of a new section of the world's project that ended `days_ago` days ago, with a guest venue
    at 吉林市 (and there one seated expert, ID number serial `serial`, when `with_member`)."""
    day = china_today() - timedelta(days=days_ago)
    guest_center = world["jilin"]
    section = factories.make_section(world["project"], world["changchun"], code="E1",
                                     evaluation_date=china_today() + timedelta(days=30))
    section.evaluation_date = day   # evaluated in the past (the form refuses a past date)
    req = factories.make_seat_request(section, guest_center, requester, seats=1, day=day,
                                      status=RequestStatus.ACCEPTED)
    starts, _ = evaluation_range(day, time(9, 0), 240)
    evaluation = Evaluation(section_id=section.id, main_center_id=section.main_center_id, evaluation_date=day,
                            start_time=time(9, 0), duration_minutes=240, starts_at=starts, committee_size=5,
                            ended_at=starts + timedelta(hours=4), payment_due=payment_due)
    db.session.add(evaluation)
    db.session.flush()
    main = EvaluationVenue(evaluation_id=evaluation.id, center_id=section.main_center_id, is_main=True,
                           experts_needed=4)
    guest = EvaluationVenue(evaluation_id=evaluation.id, center_id=guest_center.id, seat_request_id=req.id,
                            is_main=False, experts_needed=1, handover_due=handover_due)
    db.session.add_all([main, guest])
    db.session.flush()
    if with_member:
        specialty = db.session.scalars(select(Specialty).filter_by(code="A0201")).one()
        expert = factories.make_expert(db.session.get(Region, guest_center.region_id), factories.valid_id_number(serial),
                                       name=SECRET_NAME)
        draw = ExpertDraw(venue_id=guest.id, specialty_id=specialty.id, count=1, seed="0" * 64,
                          candidate_ids=f"[{expert.id}]", chosen_ids=f"[{expert.id}]")
        db.session.add(draw)
        db.session.flush()
        db.session.add(CommitteeMember(evaluation_id=evaluation.id, venue_id=guest.id, expert_id=expert.id,
                                       specialty_id=specialty.id, draw_id=draw.id, seat_no=1,
                                       status=MemberStatus.SEATED))
    db.session.flush()
    return evaluation, guest


def grow_work(orgs, users, n: int, prefix: str, serial_base: int) -> None:
    """n of every kind of work the cards count: requests to answer, drafts, sections to file, evaluations today,
    ended evaluations with a late hand-over, an unpaid member, a clue and an incident, exemptions, draft and
    scheduled notices, sessions filling up (for the query counts: the same number of queries for 1 and for 5)."""
    factories.load_thresholds()
    if not db.session.scalar(select(func.count(Specialty.id))):
        load_starter_specialties()
    agent = users["agent"]
    changchun, jilin = orgs.center(factories.CHANGCHUN), orgs.center(factories.JILIN_CITY)
    today = china_today()
    for i in range(n):
        project = factories.make_project(agent, orgs.region("changchun"), code=f"{prefix}-{i:03d}", name=f"{prefix}工程{i}")
        world = {"project": project, "changchun": changchun, "jilin": jilin}
        waiting = factories.make_section(project, changchun, code="01", evaluation_date=factories.working_day(10))
        factories.make_seat_request(waiting, jilin, agent)
        now = factories.make_section(project, changchun, code="02", evaluation_date=today)
        factories.make_seat_request(now, jilin, agent, day=today, status=RequestStatus.ACCEPTED)
        factories.make_section(project, changchun, code="03", evaluation_date=factories.working_day(8))
        draft = factories.make_section(project, changchun, code="04", evaluation_date=factories.working_day(9))
        factories.make_seat_request(draft, jilin, agent, day=factories.working_day(9), status=RequestStatus.DRAFT)
        evaluation, guest = _ended_evaluation(world, agent, handover_due=today - timedelta(days=1),
                                              payment_due=today - timedelta(days=1), with_member=True,
                                              serial=serial_base + i)
        db.session.add(Clue(evaluation_id=evaluation.id, venue_id=guest.id, text="线索"))
        db.session.add(Incident(evaluation_id=evaluation.id, venue_id=guest.id, kind="power",
                                occurred_at=utcnow() - timedelta(days=10), effect="停电"))
        exempt = factories.make_section(project, changchun, code="05")
        db.session.add(Exemption(section_id=exempt.id, reason="complex", explanation="技术复杂"))
        factories.make_notice(title=f"{prefix}草稿{i}", status="draft")
        factories.make_notice(title=f"{prefix}定时{i}", publish_at=utcnow() + timedelta(days=2))
        session = factories.make_training(orgs.region("changchun"), title=f"{prefix}培训{i}", capacity=10)
        session.enrolled = 9
    db.session.commit()


# --- center staff ------------------------------------------------------------------------------------------------

def test_staff_sees_the_request_waiting_in_its_inbox_with_the_day_to_answer_by(login_as, world):
    staff = home(login_as("staff-jilin"))
    inbox = staff["inbox"]
    assert inbox["count"] == 1
    req = world["request"]
    assert f'href="/bookings/{req.id}/answer"' in inbox["html"]
    assert req.number in inbox["html"] and "长春市某道路改造工程" in inbox["html"]
    answer_by = load_calendar().add_working_days(world["day"], -1)
    assert f'datetime="{answer_by.isoformat()}"' in inbox["html"]
    assert f"{(answer_by - china_today()).days} 天后截止答复" in inbox["html"]
    # The main center's staff have nothing to answer: the request is not in their inbox.
    assert home(login_as("staff-changchun"))["inbox"]["count"] == 0


def test_the_poll_gets_the_workbench_alone_and_the_page_has_it_too(login_as, world):
    client = login_as("staff-jilin")
    page = client.get("/")
    assert 'id="workbench"' in page.get_data(as_text=True) and "最新公告" in page.get_data(as_text=True)
    fragment = client.get("/", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert f'hx-trigger="every {client.application.config["POLL_SECONDS"] * 3}s"' in text
    assert "<html" not in text and "最新公告" not in text
    assert cards(text)["inbox"]["count"] == 1


def test_staff_sees_todays_and_this_weeks_evaluations_as_main_and_guest_venue(login_as, orgs, users, world):
    today = china_today()
    project = factories.make_project(users["agent"], orgs.region("changchun"), code="JLZB-2026-0002", name="今日工程")
    today_section = factories.make_section(project, world["changchun"], code="02", evaluation_date=today)
    factories.make_seat_request(today_section, world["jilin"], users["agent"], seats=1, day=today,
                                status=RequestStatus.ACCEPTED)
    db.session.commit()
    main = home(login_as("staff-changchun"))["week"]
    assert main["count"] == 1 and "今天评标" in main["html"] and "今日工程" in main["html"]
    assert "今天 1 场" in main["html"]
    assert f"/evaluations/sections/{today_section.id}" in main["html"]
    guest = home(login_as("staff-jilin"))["week"]
    assert guest["count"] == 1 and "客场" in guest["html"] and "今天评标" in guest["html"]


def test_staff_sees_overdue_hand_overs_of_its_guest_venue(login_as, users, world):
    evaluation, _ = _ended_evaluation(world, users["agent"],
                                      handover_due=china_today() - timedelta(days=2))
    db.session.commit()
    guest = home(login_as("staff-jilin"))["due"]
    assert guest["count"] == 1 and "已逾期 2 天" in guest["html"] and "移交评标资料" in guest["html"]
    assert f"/evaluations/{evaluation.id}#handover" in guest["html"]
    assert 'workbench-danger' in login_as("staff-jilin").get("/").get_data(as_text=True)
    assert home(login_as("staff-changchun"))["due"]["count"] == 1   # the main venue waits for it


def test_the_main_venue_sees_a_receipt_due_once_the_guest_venue_handed_over(login_as, users, world):
    _, guest = _ended_evaluation(world, users["agent"], handover_due=china_today() + timedelta(days=1))
    guest.handed_over_at = utcnow()
    db.session.commit()
    main = home(login_as("staff-changchun"))["due"]
    assert main["count"] == 1 and "确认接收移交资料" in main["html"] and "明天截止" in main["html"]


def test_staff_sees_the_specialties_short_of_experts(login_as, world):
    from portal.experts.services import set_minimum

    specialty = db.session.scalars(select(Specialty).filter_by(code="A0201")).one()
    set_minimum(specialty, 3)
    factories.make_expert(db.session.get(Region, world["jilin"].region_id), factories.valid_id_number(5))
    db.session.commit()
    shortage = home(login_as("staff-jilin"))["shortage"]
    assert shortage["count"] >= 1
    assert "A0201" in shortage["html"] and "可用 1 人，最低需要 3 人，缺 2 人" in shortage["html"]


# --- agents ------------------------------------------------------------------------------------------------------

def test_agent_sees_sections_to_file_with_the_deadline_and_its_requests(login_as, orgs, users, world):
    project = factories.make_project(users["agent"], orgs.region("changchun"), code="JLZB-2026-0003", name="待申请工程")
    day = factories.working_day(8)
    unfiled = factories.make_section(project, world["changchun"], code="03", evaluation_date=day)
    factories.make_section(project, world["changchun"], code="04", evaluation_date=day, mandatory_tender=False)
    db.session.commit()
    agent = home(login_as("agent"))
    sections = agent["sections"]
    assert sections["count"] == 1 and "待申请工程" in sections["html"], sections["html"]
    assert f"/bookings/new?section={unfiled.id}" in sections["html"]
    latest = load_calendar().add_working_days(day, -3)
    assert f'datetime="{latest.isoformat()}"' in sections["html"]
    requests = agent["requests"]
    assert requests["count"] == 1 and world["request"].number in requests["html"] and "待客场确认" in requests["html"]
    assert home(login_as("staff-jilin")).get("sections") is None


def test_agent_sees_a_rejection_first_and_payments_due(login_as, users, world):
    req = world["request"]
    req.status, req.answered_at, req.reason = RequestStatus.REJECTED, utcnow(), "工位已满"
    _ended_evaluation(world, users["agent"], payment_due=china_today() - timedelta(days=1),
                      with_member=True)
    db.session.commit()
    page = login_as("agent").get("/").get_data(as_text=True)
    agent = cards(page)
    assert agent["requests"]["count"] == 1 and "已拒绝" in agent["requests"]["html"]
    assert agent["payments"]["count"] == 1 and "已逾期 1 天" in agent["payments"]["html"]
    assert SECRET_NAME not in page


# --- prefecture admins and the province ---------------------------------------------------------------------------

def test_prefecture_admin_sees_its_report_and_its_centers(login_as, orgs, world):
    admin = home(login_as("changchun"))
    assert admin["report"]["count"] == 1 and "尚未填报" in admin["report"]["html"]
    month = report_rules.reporting_month(china_today())
    assert f"/reports/monthly/{report_rules.month_key(month)}/changchun" in admin["report"]["html"]
    region_id = orgs.region("changchun").id
    centers = db.session.scalar(select(func.count(TradingCenter.id)).where(TradingCenter.region_id == region_id))
    standing = db.session.scalar(select(func.count(TradingCenter.id)).where(
        TradingCenter.region_id == region_id, TradingCenter.is_standing_secondary))
    # No workstation registered yet: every center lacks them, and a standing venue lacks its 10.
    before = admin["centers"]["count"]
    assert before == centers + standing and "尚未登记评标工位" in admin["centers"]["html"]
    factories.make_workstation(factories.make_venue(orgs.center(factories.YUSHU)), "YS-01")
    db.session.add(MonthlyReport(region_id=orgs.region("changchun").id, month=month,
                                 status=report_rules.Status.SUBMITTED, submitted_at=utcnow(), submissions=1))
    db.session.commit()
    admin = home(login_as("changchun"))
    assert admin["centers"]["count"] == before - 1
    assert admin["report"]["count"] == 0 and "已报送" in admin["report"]["html"]


def test_province_sees_regions_not_filed_standing_venues_and_joint_testing(login_as, orgs, world):
    from portal.orgs.models import Province
    from portal.partners.models import JointTestEvent, JointTestStatus

    regions = db.session.scalar(select(func.count(Region.id)))
    month = report_rules.reporting_month(china_today())
    db.session.add(MonthlyReport(region_id=orgs.region("jilin").id, month=month,
                                 status=report_rules.Status.SUBMITTED, submitted_at=utcnow(), submissions=1))
    liaoning = db.session.scalars(select(Province).filter_by(name="辽宁省")).one()
    db.session.add(JointTestEvent(province_id=liaoning.id, status=JointTestStatus.PLANNED,
                                  event_date=china_today() + timedelta(days=2)))
    db.session.commit()
    province = home(login_as("province"))
    assert province["late_regions"]["count"] == regions - 1
    assert "吉林地区" not in province["late_regions"]["html"] and "长春地区" in province["late_regions"]["html"]
    standing = db.session.scalar(select(func.count(TradingCenter.id)).where(TradingCenter.is_standing_secondary))
    assert province["standing"]["count"] == standing   # no workstations registered: none complies
    assert province["joint_tests"]["count"] == 1 and "2 天后联调" in province["joint_tests"]["html"]
    assert f"/partners/joint-tests/{liaoning.id}" in province["joint_tests"]["html"]


# --- supervisors -------------------------------------------------------------------------------------------------

def test_supervisor_sees_clues_incidents_exemptions_and_overdue_items_of_its_region(login_as, orgs, users, world):
    evaluation, guest = _ended_evaluation(world, users["agent"],
                                          handover_due=china_today() - timedelta(days=3), with_member=True)
    db.session.add(Clue(evaluation_id=evaluation.id, venue_id=guest.id, text=f"{SECRET_NAME}疑似私下联系投标人"))
    db.session.add(Incident(evaluation_id=evaluation.id, venue_id=guest.id, kind="network",
                            occurred_at=utcnow() - timedelta(hours=1), effect="视频中断"))
    project = factories.make_project(users["agent"], orgs.region("changchun"), code="JLZB-2026-0009", name="保密工程")
    secret = factories.make_section(project, world["changchun"], code="09")
    db.session.add(Exemption(section_id=secret.id, reason="secret", explanation="涉及国家秘密"))
    db.session.commit()
    page = login_as("supervisor").get("/").get_data(as_text=True)
    supervisor = cards(page)
    assert supervisor["clues"]["count"] == 1 and f"/evaluations/{evaluation.id}#clues" in supervisor["clues"]["html"]
    assert supervisor["incidents"]["count"] == 1 and "网络故障" in supervisor["incidents"]["html"]
    assert "尚未恢复" in supervisor["incidents"]["html"]
    assert supervisor["exemptions"]["count"] == 1 and "保密工程" in supervisor["exemptions"]["html"]
    assert supervisor["overdue"]["count"] == 1 and "已逾期 3 天" in supervisor["overdue"]["html"]
    assert SECRET_NAME not in page                     # no expert names, and not the clue's text
    # Another region's supervisor sees none of it.
    factories.make_user("supervisor-baishan", Role.SUPERVISOR, orgs.region("baishan"))
    db.session.commit()
    elsewhere = home(login_as("supervisor-baishan"))
    assert [elsewhere[k]["count"] for k in ("clues", "incidents", "exemptions", "overdue")] == [0, 0, 0, 0]


# --- publicity ---------------------------------------------------------------------------------------------------

def test_publicity_sees_drafts_scheduled_notices_and_sessions_filling_up(login_as, orgs, users):
    factories.make_notice(title="草稿公告", status="draft")
    factories.make_notice(title="定时公告", publish_at=utcnow() + timedelta(days=1))
    factories.make_notice(title="已发布公告")
    full = factories.make_training(orgs.region("changchun"), title="将满的培训", capacity=10)
    full.enrolled = 8
    factories.make_training(orgs.region("changchun"), title="宽松的培训", capacity=30)
    for title, extra in (("已结束的培训", {"days_ahead": -3}), ("已取消的培训", {"status": "cancelled"})):
        factories.make_training(orgs.region("changchun"), title=title, capacity=10, **extra).enrolled = 10
    db.session.commit()
    publicity = home(login_as("publicity"))
    notices = publicity["notices"]
    assert notices["count"] == 2 and "草稿公告" in notices["html"] and "定时公告" in notices["html"]
    assert "已发布公告" not in notices["html"] and 'href="/notices/new"' in notices["html"]
    training = publicity["training"]
    assert training["count"] == 1 and "将满的培训" in training["html"] and "宽松的培训" not in training["html"]
    assert "已结束的培训" not in training["html"] and "已取消的培训" not in training["html"]
    assert f"/training/{full.id}/enrolments" in training["html"] and "余 2 个名额" in training["html"]


def test_a_visitor_has_no_workbench(client, orgs):
    page = client.get("/").get_data(as_text=True)
    assert 'id="workbench"' not in page and "最新公告" in page
    # A poll after the session ended says so (the card would otherwise go blank).
    polled = client.get("/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "登录已失效" in polled and "/auth/login" in polled and "hx-trigger" not in polled


@pytest.mark.parametrize("username", ["province", "changchun", "staff-jilin", "agent", "supervisor", "publicity"])
def test_every_role_opens_its_workbench(login_as, world, username):
    found = home(login_as(username))
    assert found and all(card["count"] >= 0 for card in found.values())


@pytest.mark.parametrize("username", ["province", "changchun", "staff-jilin", "staff-changchun", "agent", "supervisor",
                                      "publicity"])
def test_every_link_of_the_workbench_opens_for_its_reader(login_as, orgs, users, username):
    grow_work(orgs, users, 1, "A", 400)
    client = login_as(username)
    page = client.get("/").get_data(as_text=True)
    workbench = re.search(r'<section id="workbench".*?</section>', page, re.S).group(0)
    links = sorted({href.split("#")[0] for href in re.findall(r'href="([^"]+)"', workbench)})
    assert len(links) >= 3, links
    for link in links:
        response = client.get(link.replace("&amp;", "&"), follow_redirects=True)
        assert response.status_code == 200, (link, response.status_code)
