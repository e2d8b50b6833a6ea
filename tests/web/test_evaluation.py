"""The evaluation day and after through the Flask client: committee, draws, confidentiality, sign-in, the end
instruction, fees and payment, incidents, clues, hand-over and the deadlines board."""
import io
import json
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from portal.audit.models import AuditEntry
from portal.clock import CHINA
from portal.bookings.services import answering as booking_services
from portal.evaluations.models import (
    Attachment,
    Clue,
    CommitteeMember,
    Evaluation,
    EvaluationVenue,
    ExpertDraw,
    Incident,
)
from portal.experts.services import load_starter_specialties
from portal.extensions import db
from portal.notifications.models import Notification
from portal.templating import china_today
from tests import factories
from tests.factories import CONFIRMED
from tests.conftest import counted_queries

TENDEREE = "长春市城市建设局"


def _expert(region, serial, name, employer="长春某设计院", codes=("A0201",), scope="province"):
    return factories.make_expert(region, factories.valid_id_number(serial, prefix="220102" if serial < 500 else "220202"),
                                 name=name, codes=codes, employer=employer, share_scope=scope)


def _china(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA)


@pytest.fixture
def day(orgs, users, travel):
    """A section of the agent evaluated in 长春 with 2 seats accepted at 吉林市; experts in both regions; then
    the clock stands at 09:30 China time of the evaluation day (sign-in, signatures and the end are refused on
    any other day, the draw before the working day before).

    长春 (main) pool: 8 experts of A0201, one of them employed by the tenderee, one by a bidder.
    吉林 (guest) pool: 5 experts of A0201 shared province-wide, one kept local (不共享).
    """
    factories.load_thresholds()
    load_starter_specialties()
    changchun, jilin = orgs.region("changchun"), orgs.region("jilin")
    project = factories.make_project(users["agent"], changchun)
    when = factories.working_day(10)
    section = factories.make_section(project, orgs.center(factories.CHANGCHUN), evaluation_date=when)
    jilin_center = orgs.center(factories.JILIN_CITY)
    venue = factories.make_venue(jilin_center)
    stations = [factories.make_workstation(venue, f"JL-{i:02d}") for i in range(1, 4)]
    cc_venue = factories.make_venue(orgs.center(factories.CHANGCHUN))
    cc_stations = [factories.make_workstation(cc_venue, f"CC-{i:02d}") for i in range(1, 4)]
    req = factories.make_seat_request(section, jilin_center, users["agent"], seats=2, day=when, committee=5)
    db.session.commit()
    booking_services.accept(req, req.version, [stations[0].id, stations[1].id], "")
    main = [_expert(changchun, i, f"长春专家{chr(0x7532 + i)}") for i in range(1, 7)]
    main.append(_expert(changchun, 7, "招标人职工", employer=TENDEREE))
    main.append(_expert(changchun, 8, "投标人职工", employer="吉林某建设集团"))
    guest = [_expert(jilin, 500 + i, f"吉林专家{chr(0x7532 + i)}") for i in range(1, 6)]
    guest.append(_expert(jilin, 506, "吉林本地专家", scope="local"))
    for center, base, meal in ((orgs.center(factories.CHANGCHUN), 800, 50), (jilin_center, 600, 60)):
        center.expert_fee_base_yuan, center.expert_fee_base_hours = Decimal(base), 4
        center.expert_fee_extra_hour_yuan, center.expert_fee_cap_yuan = Decimal(100), Decimal(1200)
        center.meal_fee_yuan = Decimal(meal)
    db.session.commit()
    travel(_china(when, 9, 30))
    return {"section": section, "project": project, "req": req, "stations": stations, "cc_stations": cc_stations,
            "main_experts": main, "guest_experts": guest, "when": when, "jilin_center": jilin_center}


def _committee(day, size="5", reps="1", main="2", guest="2", **extra):
    from portal.experts.models import Specialty

    a0201 = db.session.scalars(select(Specialty.id).filter_by(code="A0201")).one()
    data = {"committee_size": size, "tenderee_reps": reps, "avoid_months": "12",
            "bidders": "吉林某建设集团\n长春某路桥公司", "supervising_department": "长春市住房和城乡建设局",
            "need-main-0-specialty": str(a0201), "need-main-0-count": main,
            f"need-{day['req'].id}-0-specialty": str(a0201), f"need-{day['req'].id}-0-count": guest}
    data.update(extra)
    return data


def _fix(client, day, **changes):
    return client.post(f"/evaluations/new?section={day['section'].id}", data=_committee(day, **changes))


def _evaluation() -> Evaluation:
    db.session.expire_all()
    return db.session.scalars(select(Evaluation)).one()


def _venues(evaluation):
    venues = db.session.scalars(select(EvaluationVenue).where(EvaluationVenue.evaluation_id == evaluation.id)
                                .order_by(EvaluationVenue.id)).all()
    return venues[0], venues[1]


def _members(venue=None):
    db.session.expire_all()
    stmt = select(CommitteeMember).order_by(CommitteeMember.id)
    if venue is not None:
        stmt = stmt.where(CommitteeMember.venue_id == venue.id)
    return db.session.scalars(stmt).all()


@pytest.fixture
def drawn(day, login_as):
    """The committee fixed and both venues' experts drawn; returns the two staff clients too."""
    main_staff, guest_staff = login_as("staff-changchun"), login_as("staff-jilin")
    assert _fix(main_staff, day).status_code == 303
    evaluation = _evaluation()
    main, guest = _venues(evaluation)
    assert main_staff.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED).status_code == 303
    assert guest_staff.post(f"/evaluations/{evaluation.id}/venues/{guest.id}/draw", data=CONFIRMED).status_code == 303
    return {**day, "evaluation": evaluation, "main": main, "guest": guest, "main_staff": main_staff,
            "guest_staff": guest_staff}


def _sign_in(client, evaluation, member, station):
    from portal.experts.models import Expert

    expert = db.session.get(Expert, member.expert_id)
    return client.post(f"/evaluations/{evaluation.id}/members/{member.id}/sign-in", data={
        "id_number": expert.id_number, "photo_checked": "y", "phone_in_custody": "y", "no_conflict_declared": "y",
        "workstation_id": str(station.id)})


def _sign_all(client, evaluation, members, skip=None):
    for member in members:
        for which in ("review_form_signed_at", "summary_signed_at", "report_signed_at"):
            if (member.id, which) == skip:
                continue
            assert client.post(f"/evaluations/{evaluation.id}/members/{member.id}/sign/{which}").status_code == 303


def _everyone_signed_in(w):
    evaluation = w["evaluation"]
    for member, station in zip(_members(w["main"]), w["cc_stations"]):
        assert _sign_in(w["main_staff"], evaluation, member, station).status_code == 303
    for member, station in zip(_members(w["guest"]), w["stations"]):
        assert _sign_in(w["guest_staff"], evaluation, member, station).status_code == 303


# --- the committee ---------------------------------------------------------------------------------------------

def test_main_staff_fix_the_committee_per_venue_and_specialty(drawn):
    evaluation = drawn["evaluation"]
    assert (evaluation.committee_size, evaluation.tenderee_reps) == (5, 1)
    assert (drawn["main"].is_main, drawn["main"].experts_needed) == (True, 2)
    assert (drawn["guest"].seat_request_id, drawn["guest"].experts_needed) == (drawn["req"].id, 2)
    assert evaluation.bidders == "吉林某建设集团\n长春某路桥公司"


@pytest.mark.parametrize("changes, message", [
    ({"size": "6", "main": "3"}, "应为单数"),
    ({"size": "3", "reps": "0", "main": "1"}, "5 人以上单数"),
    ({"size": "5", "reps": "2", "main": "1"}, "三分之二"),
    ({"main": "1"}, "应等于"),
    ({"main": "1", "guest": "3"}, "只预订了 2 个机位"),
    ({"main": "２"}, "半角数字"),
])
def test_an_unlawful_committee_is_refused_and_the_form_kept(day, login_as, changes, message):
    page = _fix(login_as("staff-changchun"), day, **changes)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert message in text
    assert 'value="吉林某建设集团' in text or "吉林某建设集团\n长春某路桥公司" in text
    assert db.session.scalar(select(func.count(Evaluation.id))) == 0


def test_only_the_main_centers_staff_fix_the_committee(day, login_as):
    assert _fix(login_as("staff-jilin"), day).status_code == 404   # another center's section: not found
    assert _fix(login_as("agent"), day).status_code == 403
    assert db.session.scalar(select(func.count(Evaluation.id))) == 0


def test_a_venues_part_cannot_change_once_it_drew(drawn):
    page = _fix(drawn["main_staff"], drawn, main="4", guest="2", size="7", reps="1")
    assert page.status_code == 422
    assert "主场（长春）已抽取专家，其专家人数和专业不能再修改" in page.get_data(as_text=True)
    assert _evaluation().committee_size == 5
    page = _fix(drawn["main_staff"], drawn, bidders="另一家投标单位")
    assert page.status_code == 422 and "投标人、行政监督部门和回避期限不能再修改" in page.get_data(as_text=True)
    assert _evaluation().bidders == "吉林某建设集团\n长春某路桥公司"


def _specialty(code):
    from portal.experts.models import Specialty

    return db.session.scalars(select(Specialty).filter_by(code=code)).one()


def test_a_guest_venue_short_of_experts_moves_to_the_main_venue_and_the_evaluation_ends(day, login_as, users):
    """The dead end of issue 22: the guest pool has no expert of the guest venue's specialty. The guest venue is
    told the main venue was asked; the main venue changes it (not yet drawn there) or draws those seats itself."""
    from portal.bookings.models import SeatRequest
    from portal.bookings.rules import Status
    from portal.workstations.models import Venue

    for serial in (21, 22):
        _expert(factories.OrgIndex().region("changchun"), serial, "长春给排水专家" + "甲乙"[serial - 21],
                codes=("A0101",))
    cc_venue = db.session.get(Venue, day["cc_stations"][0].venue_id)
    extra = factories.make_workstation(cc_venue, "CC-04")
    db.session.commit()
    main_staff, guest_staff = login_as("staff-changchun"), login_as("staff-jilin")
    a0101 = _specialty("A0101")
    data = _committee(day, **{f"need-{day['req'].id}-0-specialty": str(a0101.id)})
    assert main_staff.post(f"/evaluations/new?section={day['section'].id}", data=data).status_code == 303
    evaluation = _evaluation()
    main, guest = _venues(evaluation)
    assert main_staff.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED).status_code == 303
    page = guest_staff.post(f"/evaluations/{evaluation.id}/venues/{guest.id}/draw", data=CONFIRMED)
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "本场所无法抽取" in text and "已通知主场" in text and "请调整专业" not in text
    told = db.session.scalars(select(Notification).where(Notification.user_id == users["staff-changchun"].id,
                                                         Notification.text.contains("改由主场抽取"))).all()
    assert len(told) == 1
    # The main venue changes only the guest venue's part (the main venue drew already): accepted.
    assert main_staff.post(f"/evaluations/new?section={day['section'].id}", data=data).status_code == 303
    # Then moves the guest venue's seats to itself: the booking is cancelled, the main venue draws them.
    show = main_staff.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "改由主场抽取" in show and f"/bookings/new?section={day['section'].id}" in show
    assert guest_staff.post(f"/evaluations/{evaluation.id}/venues/{guest.id}/move-to-main").status_code == 404
    moved = main_staff.post(f"/evaluations/{evaluation.id}/venues/{guest.id}/move-to-main")
    assert moved.status_code == 303
    assert "向其他交易中心提交新的客场机位申请" in main_staff.get(moved.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SeatRequest, day["req"].id).status is Status.CANCELLED
    (only,) = _venues_all(evaluation)
    assert only.is_main and only.experts_needed == 4
    assert main_staff.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED).status_code == 303
    members = _members(main)
    assert len(members) == 4 and sum(m.specialty_id == a0101.id for m in members) == 2
    for member, station in zip(members, day["cc_stations"] + [extra]):
        assert _sign_in(main_staff, evaluation, member, station).status_code == 303
    _sign_all(main_staff, evaluation, members)
    assert main_staff.post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED).status_code == 303
    assert _evaluation().ended_at is not None


def _venues_all(evaluation):
    return db.session.scalars(select(EvaluationVenue).where(EvaluationVenue.evaluation_id == evaluation.id)).all()


def test_a_main_venue_short_of_experts_is_told_to_change_its_own_part(day, login_as):
    client = login_as("staff-changchun")
    assert _fix(client, day, size="11", reps="1", main="8", guest="2").status_code == 303
    evaluation = _evaluation()
    main, _ = _venues(evaluation)
    text = client.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED).get_data(as_text=True)
    assert "请在“评标委员会组成”中调整主场的专业或人数" in text
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.text.contains("无法抽取"))) == 0


def test_the_section_page_leads_to_the_committee_form_then_to_the_evaluation(day, login_as):
    """The section page links to the evaluations feature, which knows whether the evaluation exists."""
    section = day["section"]
    link = f"/evaluations/sections/{section.id}"
    main_staff, agent = login_as("staff-changchun"), login_as("agent")
    for client in (main_staff, agent):
        assert link in client.get(f"/projects/sections/{section.id}").get_data(as_text=True)
    # Before the committee: the main venue's staff go to its form; the agent back to the section, told why.
    assert main_staff.get(link).headers["Location"].endswith(f"/evaluations/new?section={section.id}")
    back = agent.get(link)
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/projects/sections/{section.id}")
    assert "尚未确定评标委员会组成" in agent.get(back.headers["Location"]).get_data(as_text=True)
    assert _fix(main_staff, day).status_code == 303
    evaluation = _evaluation()
    for username in ("staff-changchun", "agent", "supervisor"):
        response = login_as(username).get(link)
        assert response.status_code == 302, username
        assert response.headers["Location"].endswith(f"/evaluations/{evaluation.id}"), username
    assert login_as("staff-jilin").get(link).status_code == 302     # a guest venue reaches the evaluation too
    assert login_as("publicity").get(link).status_code == 403


# --- the draw -------------------------------------------------------------------------------------------------

def test_each_venue_draws_its_own_pool_and_avoidance_is_applied(drawn):
    main_ids = {e.id for e in drawn["main_experts"][:6]}
    guest_ids = {e.id for e in drawn["guest_experts"][:5]}
    main_members, guest_members = _members(drawn["main"]), _members(drawn["guest"])
    assert len(main_members) == 2 and {m.expert_id for m in main_members} <= main_ids
    assert len(guest_members) == 2 and {m.expert_id for m in guest_members} <= guest_ids
    draws = db.session.scalars(select(ExpertDraw).order_by(ExpertDraw.id)).all()
    # The stored candidate list leaves out the tenderee's and the bidder's staff, and the local-only expert.
    assert json.loads(draws[0].candidate_ids) == sorted(main_ids)
    assert json.loads(draws[0].excluded) == {"tenderee": 1, "bidder": 1}
    assert json.loads(draws[1].candidate_ids) == sorted(guest_ids)
    assert all(len(d.seed) == 64 for d in draws)
    assert draws[0].drawn_by_id is not None


def test_the_guest_venue_cannot_draw_for_the_main_venue(drawn, login_as):
    evaluation = drawn["evaluation"]
    response = drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/venues/{drawn['main'].id}/draw", data=CONFIRMED)
    assert response.status_code == 403
    assert login_as("agent").post(f"/evaluations/{evaluation.id}/venues/{drawn['main'].id}/draw", data=CONFIRMED).status_code == 403


def test_a_second_draw_when_complete_is_refused(drawn):
    evaluation = drawn["evaluation"]
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/venues/{drawn['main'].id}/draw", data=CONFIRMED)
    assert page.status_code == 422 and "已经抽取完毕" in page.get_data(as_text=True)
    assert len(_members()) == 4


def test_experts_who_served_the_same_tenderee_recently_are_avoided(day, login_as, orgs, users, travel):
    """A member of an earlier committee of the same tenderee (within the period) is not drawn again."""
    first = _fix(login_as("staff-changchun"), day)
    assert first.status_code == 303
    evaluation = _evaluation()
    main, _ = _venues(evaluation)
    client = login_as("staff-changchun")
    client.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED)
    served = {m.expert_id for m in _members(main)}
    # A second section of the same tenderee, later: those two experts are excluded as RECENT.
    later = factories.make_section(day["project"], orgs.center(factories.CHANGCHUN), code="02",
                                   evaluation_date=day["when"] + timedelta(days=14))
    req2 = factories.make_seat_request(later, day["jilin_center"], users["agent"], seats=2,
                                       day=day["when"] + timedelta(days=14), committee=5)
    db.session.commit()
    booking_services.accept(req2, req2.version, [day["stations"][0].id, day["stations"][1].id], "")
    db.session.commit()
    data = _committee(day)
    data[f"need-{req2.id}-0-specialty"] = data.pop(f"need-{day['req'].id}-0-specialty")
    data[f"need-{req2.id}-0-count"] = data.pop(f"need-{day['req'].id}-0-count")
    assert client.post(f"/evaluations/new?section={later.id}", data=data).status_code == 303
    travel(_china(day["when"] + timedelta(days=14), 9, 30))    # its draw opens the working day before
    client = login_as("staff-changchun")
    second = db.session.scalars(select(Evaluation).where(Evaluation.section_id == later.id)).one()
    main2 = db.session.scalars(select(EvaluationVenue).where(EvaluationVenue.evaluation_id == second.id,
                                                             EvaluationVenue.is_main.is_(True))).one()
    client.post(f"/evaluations/{second.id}/venues/{main2.id}/draw", data=CONFIRMED)
    record = db.session.scalars(select(ExpertDraw).where(ExpertDraw.venue_id == main2.id)).one()
    assert not served & set(json.loads(record.candidate_ids))
    assert json.loads(record.excluded)["recent"] == 2


def test_too_few_eligible_experts_is_refused_with_the_count(day, login_as):
    page = _fix(login_as("staff-changchun"), day, size="9", reps="1", main="5", guest="2",
                **{"need-main-1-specialty": "", "need-main-1-count": ""})
    assert page.status_code == 422   # 5 + 2 != 8 experts
    client = login_as("staff-changchun")
    assert _fix(client, day, size="11", reps="1", main="8", guest="2").status_code == 303
    evaluation = _evaluation()
    main, _ = _venues(evaluation)
    page = client.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED)
    assert page.status_code == 422
    assert "只有 6 人" in page.get_data(as_text=True)
    assert _members() == [] and db.session.scalar(select(func.count(ExpertDraw.id))) == 0


def test_a_stored_draw_re_runs_to_the_same_members(drawn, login_as):
    record = db.session.scalars(select(ExpertDraw).order_by(ExpertDraw.id)).first()
    page = login_as("supervisor").get(f"/evaluations/{drawn['evaluation'].id}/draws/{record.id}/verify")
    assert page.status_code == 200 and "复核一致" in page.get_data(as_text=True)
    # An edited record no longer re-runs to itself.
    chosen = json.loads(record.chosen_ids)
    db.session.execute(update(ExpertDraw).where(ExpertDraw.id == record.id)
                       .values(chosen_ids=json.dumps(list(reversed(chosen)))))
    db.session.commit()
    page = login_as("supervisor").get(f"/evaluations/{drawn['evaluation'].id}/draws/{record.id}/verify")
    assert "复核不一致" in page.get_data(as_text=True)
    assert login_as("agent").get(f"/evaluations/{drawn['evaluation'].id}/draws/{record.id}/verify").status_code == 403


def test_replacing_a_member_draws_again_and_records_the_reason(drawn):
    evaluation = drawn["evaluation"]
    old = _members(drawn["main"])[0]
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{old.id}/replace",
                                    data={"kind": "declined", "reason": "专家电话告知因病不能参加"})
    assert page.status_code == 303
    members = _members(drawn["main"])
    replaced = next(m for m in members if m.id == old.id)
    assert replaced.status == "replaced" and replaced.replaced_reason == "专家电话告知因病不能参加"
    seated = [m for m in members if m.seated]
    assert len(seated) == 2 and old.expert_id not in {m.expert_id for m in seated}
    record = db.session.scalars(select(ExpertDraw).order_by(ExpertDraw.id.desc())).first()
    assert record.replaces_member_id == old.id and record.reason == "更换：身体原因" and record.count == 1
    assert old.expert_id not in json.loads(record.candidate_ids)


def test_the_typed_replacement_reason_stays_with_the_drawing_venue(drawn, login_as):
    """The explanation may name the expert: the other venue, admins and the audit log get its kind only."""
    evaluation = drawn["evaluation"]
    old = _members(drawn["main"])[0]
    drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{old.id}/replace",
                             data={"kind": "declined", "reason": "王某某电话告知因病不能参加"})
    for username in ("staff-jilin", "supervisor", "province", "changchun"):
        assert "王某某" not in _pages(login_as(username), evaluation), username
    summaries = " ".join(db.session.scalars(select(AuditEntry.summary)))
    assert "王某某" not in summaries and "身体原因" in summaries


def test_the_seed_is_withheld_from_auditors_until_the_winner(drawn, login_as):
    record = db.session.scalars(select(ExpertDraw).order_by(ExpertDraw.id)).first()
    url = f"/evaluations/{drawn['evaluation'].id}/draws/{record.id}/verify"
    for username in ("supervisor", "changchun", "province"):
        page = login_as(username).get(url).get_data(as_text=True)
        assert "复核一致" in page and record.seed not in page, username
    assert record.seed in drawn["main_staff"].get(url).get_data(as_text=True)
    assert drawn["guest_staff"].get(url).status_code == 403


def test_seats_of_a_fixed_committee_cannot_be_cancelled(drawn):
    req = drawn["req"]
    db.session.refresh(req)
    page = drawn["main_staff"].post(f"/bookings/{req.id}/cancel", data={"reason": "不需要了", "version": req.version})
    assert page.status_code == 422 and "已按本申请确定评标委员会" in page.get_data(as_text=True)


def test_a_replacement_for_another_reason_must_say_which(drawn):
    evaluation = drawn["evaluation"]
    old = _members(drawn["main"])[0]
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{old.id}/replace",
                                    data={"kind": "other", "reason": ""})
    assert page.status_code == 422 and "请写明具体情况" in page.get_data(as_text=True)
    assert _members(drawn["main"])[0].seated
    assert db.session.scalar(select(func.count(ExpertDraw.id))) == 2
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{old.id}/replace",
                                    data={"kind": "nonsense", "reason": "x"})
    assert page.status_code == 422 and _members(drawn["main"])[0].seated
    # The closed list: 回避, 未到场 and 身体原因 need no text.
    assert drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{old.id}/replace",
                                    data={"kind": "absent", "reason": ""}).status_code == 303
    replaced = next(m for m in _members(drawn["main"]) if m.id == old.id)
    assert replaced.replaced_kind.label == "未到场" and replaced.replaced_reason == "未到场"


def _replace(client, evaluation, member, kind="declined", reason=""):
    return client.post(f"/evaluations/{evaluation.id}/members/{member.id}/replace",
                       data={"kind": kind, "reason": reason})


def _seated_on(venue, seat_chain_start):
    """The member now seated in the seat that `seat_chain_start` first held (following the replacements)."""
    seated = [m for m in _members(venue) if m.seated]
    drawn_for = {d.replaces_member_id: d.id for d in db.session.scalars(select(ExpertDraw))}
    member = seat_chain_start
    while member.id in drawn_for:
        member = next(m for m in _members(venue) if m.draw_id == drawn_for[member.id])
    assert member in seated
    return member


def test_each_replacement_tells_the_main_venue_and_the_supervisors(drawn, users):
    evaluation = drawn["evaluation"]
    member = _members(drawn["guest"])[0]
    assert _replace(drawn["guest_staff"], evaluation, member, "conflict").status_code == 303
    told = {n.user_id: n.text for n in db.session.scalars(select(Notification).where(
        Notification.text.contains("更换专家")))}
    assert users["staff-changchun"].id in told and users["supervisor"].id in told
    assert "回避" in told[users["supervisor"].id] and "第 1 次更换" in told[users["supervisor"].id]
    expert = db.session.get(__import__("portal.experts.models", fromlist=["Expert"]).Expert, member.expert_id)
    assert all(expert.name not in text for text in told.values())


def test_a_third_replacement_of_a_seat_needs_a_supervisors_approval(drawn, login_as, users):
    evaluation, staff = drawn["evaluation"], drawn["main_staff"]   # 6 eligible in its pool
    first = _members(drawn["main"])[0]
    assert _replace(staff, evaluation, first).status_code == 303
    second = _seated_on(drawn["main"], first)
    assert _replace(staff, evaluation, second, "absent").status_code == 303
    third = _seated_on(drawn["main"], first)
    draws_before = db.session.scalar(select(func.count(ExpertDraw.id)))
    page = _replace(staff, evaluation, third, "declined")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "该席位已更换 2 次，第 3 次更换须经行政监督部门同意" in text and "提交更换申请" in text
    assert _seated_on(drawn["main"], first).id == third.id
    assert db.session.scalar(select(func.count(ExpertDraw.id))) == draws_before
    # Another seat of the venue is not affected.
    other = _members(drawn["main"])[1]
    assert other.seated and _replace(staff, evaluation, other).status_code == 303
    draws_before += 1
    # The request goes to the supervisors; staff cannot decide it, the supervisor can.
    url = f"/evaluations/{evaluation.id}/members/{third.id}/replacement-request"
    assert staff.post(url, data={"kind": "declined", "reason": "专家突发疾病"}).status_code == 303
    from portal.evaluations.models import ReplacementApproval

    approval = db.session.scalars(select(ReplacementApproval)).one()
    assert (approval.status, approval.replacement_round) == ("pending", 3)
    assert db.session.scalars(select(Notification).where(Notification.user_id == users["supervisor"].id,
                                                         Notification.text.contains("请审批"))).first()
    again = staff.post(url, data={"kind": "declined", "reason": ""})
    assert again.status_code == 422 and "已经提交" in again.get_data(as_text=True)
    assert _replace(staff, evaluation, third).status_code == 422      # still pending
    decide = f"/evaluations/{evaluation.id}/approvals/{approval.id}"
    assert staff.post(f"{decide}/approve", data={"note": ""}).status_code == 403
    assert drawn["guest_staff"].post(f"{decide}/approve", data={"note": ""}).status_code == 403
    assert login_as("province").post(f"{decide}/approve", data={"note": ""}).status_code == 403
    supervisor = login_as("supervisor")
    assert "专家更换审批" in supervisor.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    refused = supervisor.post(f"{decide}/refuse", data={"note": ""})
    assert refused.status_code == 422 and "请写明理由" in refused.get_data(as_text=True)
    assert supervisor.post(f"{decide}/approve", data={"note": "同意"}).status_code == 303
    assert supervisor.post(f"{decide}/approve", data={"note": "同意"}).status_code == 422   # decided already
    done = _replace(staff, evaluation, third, "declined")
    assert done.status_code == 303, done.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    record = db.session.scalars(select(ExpertDraw).order_by(ExpertDraw.id.desc())).first()
    assert (record.replacement_round, record.approval_id) == (3, approval.id)
    assert db.session.get(ReplacementApproval, approval.id).status == "used"
    # The approval allowed one replacement: a fourth asks again.
    fourth = _seated_on(drawn["main"], first)
    page = _replace(staff, evaluation, fourth)
    assert page.status_code == 422 and "已更换 3 次，第 4 次更换须经行政监督部门同意" in page.get_data(as_text=True)
    # Nobody outside the drawing venue reads a drawn name on the way.
    experts = _drawn_experts(drawn["main"])
    for username in ("supervisor", "staff-jilin", "province", "agent"):
        html = _pages(login_as(username), evaluation)
        assert not any(n in html for n in _names(experts)), username
        assert not any(secret in html for secret in _ids(experts)), username


def test_the_database_refuses_a_third_replacement_without_approval(drawn):
    from sqlalchemy.exc import IntegrityError

    record = db.session.scalars(select(ExpertDraw)).first()
    with pytest.raises(IntegrityError):
        db.session.execute(update(ExpertDraw).where(ExpertDraw.id == record.id).values(replacement_round=3))
        db.session.flush()
    db.session.rollback()


def test_the_verify_page_re_checks_every_exclusion(drawn, login_as):
    record = db.session.scalars(select(ExpertDraw).order_by(ExpertDraw.id)).first()
    stored = json.loads(record.excluded_ids)
    tenderee_staff = next(e for e in drawn["main_experts"] if e.employer == TENDEREE)
    assert [tenderee_staff.id, "tenderee"] in stored and len(stored) == 2
    url = f"/evaluations/{drawn['evaluation'].id}/draws/{record.id}/verify"
    page = login_as("supervisor").get(url).get_data(as_text=True)
    assert "资格复核一致" in page and "复核一致" in page
    assert "回避排除名单（专家编号及原因）" not in page        # the ids with the seed: the drawing venue only
    assert "回避排除名单（专家编号及原因）" in drawn["main_staff"].get(url).get_data(as_text=True)
    # An exclusion whose reason does not hold, and an eligible expert who should have been excluded.
    eligible = json.loads(record.candidate_ids)
    db.session.execute(update(ExpertDraw).where(ExpertDraw.id == record.id).values(
        excluded_ids=json.dumps([[tenderee_staff.id, "bidder"], stored[1]])))
    from portal.experts.models import Expert

    db.session.execute(update(Expert).where(Expert.id == eligible[0]).values(employer="吉林某建设集团"))
    db.session.commit()
    page = login_as("supervisor").get(url).get_data(as_text=True)
    assert "资格复核不一致" in page
    assert "候选名单中 1 名专家按回避规则应当排除" in page and "1 名专家的排除原因与回避规则不符" in page


# --- confidentiality -----------------------------------------------------------------------------------------

def _names(experts):
    return [e.name for e in experts]


def _ids(experts):
    return [e.id_number for e in experts] + [e.phone for e in experts]


def _pages(client, evaluation):
    urls = [f"/evaluations/{evaluation.id}", f"/evaluations/{evaluation.id}/board", "/evaluations/",
            "/evaluations/deadlines", "/audit/"]
    out = []
    for url in urls:
        response = client.get(url)
        out.append(response.get_data(as_text=True) if response.status_code == 200 else "")
        fragment = client.get(url, headers={"HX-Request": "true"})
        out.append(fragment.get_data(as_text=True) if fragment.status_code == 200 else "")
    return "\n".join(out)


def _drawn_experts(venue):
    from portal.experts.models import Expert

    return [db.session.get(Expert, m.expert_id) for m in _members(venue)]


@pytest.mark.parametrize("username, sees_main, sees_guest", [
    ("staff-changchun", True, False),
    ("staff-jilin", False, True),
    ("supervisor", False, False),
    ("agent", False, False),
    ("province", False, False),
    ("changchun", False, False),
    ("jilin", False, False),
])
def test_drawn_names_are_seen_only_by_the_drawing_venue_until_the_winner(drawn, login_as, username, sees_main,
                                                                         sees_guest):
    html = _pages(login_as(username), drawn["evaluation"])
    main, guest = _drawn_experts(drawn["main"]), _drawn_experts(drawn["guest"])
    for name in _names(main):
        assert (name in html) is sees_main, (username, name)
    for name in _names(guest):
        assert (name in html) is sees_guest, (username, name)
    for secret in _ids(main + guest):
        assert secret not in html


def _finish(w):
    _everyone_signed_in(w)
    evaluation = w["evaluation"]
    _sign_all(w["main_staff"], evaluation, _members(w["main"]))
    _sign_all(w["guest_staff"], evaluation, _members(w["guest"]))
    assert w["main_staff"].post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED).status_code == 303


def test_after_the_winner_is_determined_supervisors_see_the_names(drawn, login_as):
    _finish(drawn)
    evaluation = drawn["evaluation"]
    names = _names(_drawn_experts(drawn["main"]) + _drawn_experts(drawn["guest"]))
    assert not any(n in _pages(login_as("supervisor"), evaluation) for n in names)
    response = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/winner",
                                        data={"winner_determined_on": china_today().isoformat()})
    # The evaluation day is in the future in this fixture: the date cannot precede it.
    assert response.status_code == 422
    db.session.execute(update(Evaluation).values(evaluation_date=china_today() - timedelta(days=3)))
    db.session.commit()
    assert drawn["main_staff"].post(f"/evaluations/{evaluation.id}/winner",
                                    data={"winner_determined_on": china_today().isoformat()}).status_code == 303
    html = _pages(login_as("supervisor"), evaluation)
    assert all(n in html for n in names)
    for username in ("agent", "province", "jilin"):
        html = _pages(login_as(username), evaluation)
        assert not any(n in html for n in names), username


def test_the_audit_log_never_names_a_drawn_expert(drawn):
    _finish(drawn)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "evaluation")).all()
    text = json.dumps([[e.summary, e.object_label, e.before, e.after] for e in entries], ensure_ascii=False)
    for expert in _drawn_experts(drawn["main"]) + _drawn_experts(drawn["guest"]):
        assert expert.name not in text and expert.id_number not in text and f"专家 #{expert.id}" not in text
    assert "随机抽取专家 2 人" in text and "评审结束指令" in text


# --- sign-in and the end instruction --------------------------------------------------------------------------

def test_sign_in_refuses_another_persons_id_number_and_keeps_the_form(drawn):
    evaluation = drawn["evaluation"]
    member = _members(drawn["main"])[0]
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{member.id}/sign-in", data={
        "id_number": factories.valid_id_number(999), "photo_checked": "y", "phone_in_custody": "y",
        "no_conflict_declared": "y", "workstation_id": str(drawn["cc_stations"][0].id)})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "身份证号码与抽取的专家不一致" in text and factories.valid_id_number(999) in text
    assert _members(drawn["main"])[0].signed_in_at is None


def test_sign_in_needs_the_phone_in_custody(drawn):
    evaluation = drawn["evaluation"]
    member = _members(drawn["main"])[0]
    from portal.experts.models import Expert

    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{member.id}/sign-in", data={
        "id_number": db.session.get(Expert, member.expert_id).id_number, "photo_checked": "y",
        "no_conflict_declared": "y", "workstation_id": str(drawn["cc_stations"][0].id)})
    assert page.status_code == 422 and "通讯工具" in page.get_data(as_text=True)
    # Not an ID problem: the message is at the top of the form, not under the ID number field.
    top = page.get_data(as_text=True).split('class="form-errors"')[1].split("</div>")[0]
    assert "通讯工具" in top


def test_one_workstation_seats_one_expert(drawn):
    evaluation = drawn["evaluation"]
    first, second = _members(drawn["guest"])
    assert _sign_in(drawn["guest_staff"], evaluation, first, drawn["stations"][0]).status_code == 303
    page = _sign_in(drawn["guest_staff"], evaluation, second, drawn["stations"][0])
    assert page.status_code == 422 and "另一位专家" in page.get_data(as_text=True)


def test_a_guest_expert_sits_only_at_a_booked_workstation(drawn):
    evaluation = drawn["evaluation"]
    member = _members(drawn["guest"])[0]
    page = _sign_in(drawn["guest_staff"], evaluation, member, drawn["stations"][2])   # not booked
    assert page.status_code == 422 and "本场所为本次评标安排的工位" in page.get_data(as_text=True)


def test_the_end_is_refused_while_a_signature_is_missing_then_goes_through(drawn, users):
    _everyone_signed_in(drawn)
    evaluation = drawn["evaluation"]
    last = _members(drawn["guest"])[-1]
    _sign_all(drawn["main_staff"], evaluation, _members(drawn["main"]))
    _sign_all(drawn["guest_staff"], evaluation, _members(drawn["guest"]), skip=(last.id, "report_signed_at"))
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED)
    assert page.status_code == 422
    assert f"评委席位 {last.seat_no}尚未签署评标报告" in page.get_data(as_text=True)
    assert _evaluation().ended_at is None
    # The guest venue cannot issue the end instruction itself.
    assert drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED).status_code == 404
    drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/members/{last.id}/sign/report_signed_at")
    # The main venue's sign-in holds run (whatever the clock says) from an hour ago to six hours ahead...
    from portal.evaluations.services.common import aware
    from portal.models_base import utcnow
    from portal.workstations.models import HoldPurpose, WorkstationHold
    now = utcnow()
    db.session.execute(update(WorkstationHold).where(WorkstationHold.purpose == HoldPurpose.SIGN_IN)
                       .values(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=6)))
    db.session.commit()
    assert drawn["main_staff"].post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED).status_code == 303
    ended = _evaluation()
    assert ended.ended_at is not None
    # ...and end at the end instruction: the workstations are free from then on.
    sign_in_holds = db.session.scalars(select(WorkstationHold).where(
        WorkstationHold.purpose == HoldPurpose.SIGN_IN, WorkstationHold.active.is_(True))).all()
    assert len(sign_in_holds) == len(_members(drawn["main"])) > 0
    assert {aware(h.ends_at) for h in sign_in_holds} == {aware(ended.ended_at)}
    assert ended.payment_due == factories.working_day(0) if False else ended.payment_due is not None
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.text.contains("评审结束")))}
    assert {users["staff-jilin"].id, users["agent"].id} <= told


def test_the_end_through_htmx_returns_the_board_with_the_missing_signatures(drawn):
    _everyone_signed_in(drawn)
    evaluation = drawn["evaluation"]
    response = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED,
                                        headers={"HX-Request": "true"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith("<div id=\"board\"") or 'id="board"' in text
    assert "尚未签署个人评审表" in text and "<html" not in text


def test_signatures_before_sign_in_are_refused(drawn):
    evaluation = drawn["evaluation"]
    member = _members(drawn["main"])[0]
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{member.id}/sign/report_signed_at")
    assert page.status_code == 422 and "签到后" in page.get_data(as_text=True)


# --- fees and payment -----------------------------------------------------------------------------------------

def test_fees_are_computed_per_venue_at_the_end(drawn):
    # The evaluation started 5 hours ago: 4 hours base plus one started hour.
    from portal.models_base import utcnow

    db.session.execute(update(Evaluation).values(starts_at=utcnow() - timedelta(hours=4, minutes=30)))
    db.session.commit()
    _finish(drawn)
    for member in _members(drawn["main"]):
        assert (member.fee_yuan, member.meal_yuan) == (Decimal("900.00"), Decimal("0.00"))   # 长春 standard
        assert "主场标准" in member.fee_basis
    for member in _members(drawn["guest"]):
        assert (member.fee_yuan, member.meal_yuan) == (Decimal("700.00"), Decimal("60.00"))  # 吉林市 + meal
        assert member.owed_total == Decimal("760.00")


def test_the_agent_confirms_payment_per_expert(drawn, login_as):
    _finish(drawn)
    evaluation = drawn["evaluation"]
    member = _members(drawn["guest"])[0]
    agent = login_as("agent")
    page = agent.post(f"/evaluations/{evaluation.id}/members/{member.id}/paid", data={**CONFIRMED, "amount": "７６０"})
    assert page.status_code == 422 and "半角数字" in page.get_data(as_text=True)
    assert agent.post(f"/evaluations/{evaluation.id}/members/{member.id}/paid",
                      data={**CONFIRMED, "amount": "760", "reference": "YH20261201-001"}).status_code == 303
    paid = next(m for m in _members() if m.id == member.id)
    assert paid.paid_yuan == Decimal("760.00") and paid.payment_ref == "YH20261201-001"
    again = agent.post(f"/evaluations/{evaluation.id}/members/{member.id}/paid", data={**CONFIRMED, "amount": "760"})
    assert again.status_code == 422 and "已登记支付" in again.get_data(as_text=True)
    # Staff cannot confirm payments; another agent cannot see the evaluation.
    assert drawn["main_staff"].post(f"/evaluations/{evaluation.id}/members/{member.id}/paid",
                                    data={**CONFIRMED, "amount": "1"}).status_code == 403


# --- confirmation steps (随机抽取, 下达评审结束指令, 登记已支付): a POST without confirmed=1 only asks -------------

def _box(page: str) -> str:
    start = page.index('class="confirmation"')
    return page[start:page.index("</section>", start)]


def test_a_draw_without_its_confirmation_draws_nothing_and_asks(day, login_as):
    client = login_as("staff-changchun")
    assert _fix(client, day).status_code == 303
    evaluation = _evaluation()
    main, _ = _venues(evaluation)
    url = f"/evaluations/{evaluation.id}/venues/{main.id}/draw"
    board = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert f'action="{url}" class="inline-form"\n            data-confirm="确认随机抽取' in board   # one dialog with JS
    page = client.post(url)
    assert page.status_code == 200
    box = _box(page.get_data(as_text=True))
    assert "确认随机抽取" in box and "还需要的 2 名专家" in box and "不能撤销" in box
    assert f'action="{url}"' in box and 'name="confirmed" value="1"' in box and ">确认抽取</button>" in box
    assert f'href="/evaluations/{evaluation.id}#committee"' in box                       # 返回
    assert _members() == [] and db.session.scalar(select(func.count(ExpertDraw.id))) == 0   # nothing drawn
    assert client.post(url, data=CONFIRMED).status_code == 303
    assert len(_members(main)) == 2


def test_the_end_without_its_confirmation_ends_nothing_and_asks(drawn):
    evaluation = drawn["evaluation"]
    _everyone_signed_in(drawn)
    url = f"/evaluations/{evaluation.id}/end"
    refused = drawn["main_staff"].post(url)          # signatures missing: refused at once, not asked
    assert refused.status_code == 422 and "尚未签署" in refused.get_data(as_text=True)
    assert 'class="confirmation"' not in refused.get_data(as_text=True)
    _sign_all(drawn["main_staff"], evaluation, _members(drawn["main"]))
    _sign_all(drawn["guest_staff"], evaluation, _members(drawn["guest"]))
    board = drawn["main_staff"].get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "hx-confirm=\"确认下达评审结束指令？" in board and """hx-vals='{"confirmed": "1"}'""" in board
    page = drawn["main_staff"].post(url)
    assert page.status_code == 200
    box = _box(page.get_data(as_text=True))
    assert "确认下达评审结束指令" in box and "不能撤回" in box and 'name="confirmed" value="1"' in box
    assert _evaluation().ended_at is None
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.text.contains("评审结束"))) == 0
    assert drawn["main_staff"].post(url, data=CONFIRMED).status_code == 303
    assert _evaluation().ended_at is not None


def test_a_payment_without_its_confirmation_records_nothing_and_asks(drawn, login_as):
    _finish(drawn)
    evaluation = drawn["evaluation"]
    member = _members(drawn["guest"])[0]
    agent, url = login_as("agent"), f"/evaluations/{evaluation.id}/members/{member.id}/paid"
    assert 'data-confirm="确认登记已支付？' in agent.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    typed = {"amount": "760", "reference": "YH20261201-001", "paid_on": china_today().isoformat()}
    page = agent.post(url, data=typed)
    assert page.status_code == 200
    box = _box(page.get_data(as_text=True))
    assert "支付 760.00 元，支付凭证号 YH20261201-001" in box and 'name="confirmed" value="1"' in box
    assert 'name="amount" value="760"' in box and 'name="reference" value="YH20261201-001"' in box
    assert f'href="/evaluations/{evaluation.id}#fees"' in box
    assert next(m for m in _members() if m.id == member.id).paid_at is None           # nothing recorded
    assert agent.post(url, data={**typed, **CONFIRMED}).status_code == 303
    assert next(m for m in _members() if m.id == member.id).paid_yuan == Decimal("760.00")
    # A correction states its reason, which is deliberate enough: it needs no second step.
    assert agent.post(url, data={"amount": "700", "correction": "金额录入错误"}).status_code == 303
    assert next(m for m in _members() if m.id == member.id).paid_yuan == Decimal("700.00")


# --- deadlines board ------------------------------------------------------------------------------------------

def test_the_deadlines_board_shows_hand_over_and_payment_by_role(drawn, login_as):
    _finish(drawn)
    due = _evaluation().payment_due
    guest_board = login_as("staff-jilin").get("/evaluations/deadlines").get_data(as_text=True)
    assert "移交评标资料" in guest_board and str(due) in guest_board
    main_board = login_as("staff-changchun").get("/evaluations/deadlines").get_data(as_text=True)
    assert "支付专家劳务费" in main_board and "移交评标资料" in main_board
    agent_board = login_as("agent").get("/evaluations/deadlines").get_data(as_text=True)
    assert "支付专家劳务费" in agent_board and "4 名专家" in agent_board
    # Not overdue yet: the supervisor's board (overdue items only) is empty.
    assert "没有待办的期限事项" in login_as("supervisor").get("/evaluations/deadlines").get_data(as_text=True)
    db.session.execute(update(Evaluation).values(payment_due=china_today() - timedelta(days=1)))
    db.session.execute(update(EvaluationVenue).where(EvaluationVenue.is_main.is_(False))
                       .values(handover_due=china_today() - timedelta(days=1)))
    db.session.commit()
    board = login_as("supervisor").get("/evaluations/deadlines").get_data(as_text=True)
    assert "已逾期" in board and "支付专家劳务费" in board and "移交评标资料" in board
    # 吉林's admin oversees the guest venue's late hand-over; another region's admin sees nothing of it.
    assert "移交评标资料" in login_as("jilin").get("/evaluations/deadlines").get_data(as_text=True)
    from portal.auth.models import Role

    factories.make_user("siping", Role.PREFECTURE_ADMIN, factories.OrgIndex().region("siping"))
    db.session.commit()
    other = login_as("siping").get("/evaluations/deadlines").get_data(as_text=True)
    assert "没有待办的期限事项" in other


def test_a_draft_request_shows_its_filing_deadline(day, login_as, users):
    from portal.bookings.rules import Status

    factories.make_seat_request(day["section"], factories.OrgIndex().center(factories.PROVINCE_CENTER),
                                users["agent"], status=Status.DRAFT, day=day["when"])
    db.session.commit()
    board = login_as("agent").get("/evaluations/deadlines").get_data(as_text=True)
    assert "提交客场机位申请" in board


# --- incidents, clues, hand-over ------------------------------------------------------------------------------

def _incident(client, evaluation, venue, **changes):
    data = {"venue_id": str(venue.id), "kind": "network", "occurred_at": "2026-12-07T10:05",
            "effect": "客场 2 个机位断网，评标暂停", "handling": "切换备用线路", "resumed_at": ""}
    data.update(changes)
    return client.post(f"/evaluations/{evaluation.id}/incidents", data=data)


def test_an_incident_at_the_guest_venue_reaches_the_main_venue_and_supervisors(drawn, users, login_as):
    evaluation = drawn["evaluation"]
    assert _incident(drawn["guest_staff"], evaluation, drawn["guest"]).status_code == 303
    incident = db.session.scalars(select(Incident)).one()
    assert incident.kind == "network" and incident.resumed_at is None
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.text.contains("网络故障")))}
    assert {users["staff-changchun"].id, users["supervisor"].id} <= told
    assert "客场 2 个机位断网" in login_as("supervisor").get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    response = drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/incidents/{incident.id}/resume",
                                         data={"resumed_at": "2026-12-07T10:01", "handling": ""})
    assert response.status_code == 422 and "不能早于发生时间" in response.get_data(as_text=True)
    assert drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/incidents/{incident.id}/resume",
                                     data={"resumed_at": "2026-12-07T10:40", "handling": "已恢复"}).status_code == 303


def test_an_incident_in_year_one_is_refused_not_a_crash(drawn):
    page = _incident(drawn["guest_staff"], drawn["evaluation"], drawn["guest"], occurred_at="0001-01-01T00:00")
    assert page.status_code == 422 and "2000 年至 2099 年" in page.get_data(as_text=True)


def test_saving_the_committee_again_keeps_the_venues_records(day, login_as):
    client = login_as("staff-changchun")
    assert _fix(client, day).status_code == 303
    evaluation = _evaluation()
    _, guest = _venues(evaluation)
    assert _incident(login_as("staff-jilin"), evaluation, guest).status_code == 303
    assert _fix(client, day, size="7", reps="1", main="4", guest="2").status_code == 303
    assert _evaluation().committee_size == 7
    assert db.session.scalar(select(func.count(Incident.id))) == 1
    assert _venues(_evaluation())[1].id == guest.id


def test_an_incident_without_its_effect_is_refused_and_kept(drawn):
    page = _incident(drawn["guest_staff"], drawn["evaluation"], drawn["guest"], effect="", handling="备用线路")
    assert page.status_code == 422 and "请填写对评标的影响" in page.get_data(as_text=True)
    assert "备用线路" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_a_venue_reports_incidents_only_for_itself(drawn):
    assert _incident(drawn["guest_staff"], drawn["evaluation"], drawn["main"]).status_code == 403


def test_duties_are_ticked_with_who_and_when(drawn, users):
    evaluation = drawn["evaluation"]
    url = f"/evaluations/{evaluation.id}/venues/{drawn['guest'].id}/duties"
    response = drawn["guest_staff"].post(url, data={"item": "av", "done": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and re.search(r"✓ 已完成</span>\s*音视频连接", response.get_data(as_text=True))
    from portal.evaluations.models import DutyItem

    duty = db.session.scalars(select(DutyItem)).one()
    assert duty.done_by_id == users["staff-jilin"].id and duty.done_at is not None
    assert drawn["main_staff"].post(url, data={"item": "av", "done": "0"}).status_code == 403
    assert drawn["guest_staff"].post(url, data={"item": "nonsense", "done": "1"}).status_code == 422


PDF = b"%PDF-1.4\n% test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_clue_reaches_only_the_two_venues_and_supervisors(drawn, login_as):
    evaluation = drawn["evaluation"]
    response = drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/clues", data={
        "venue_id": str(drawn["guest"].id), "text": "发现投标人代表在场外与评委接触",
        "files": (io.BytesIO(PDF), "现场照片说明.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    clue = db.session.scalars(select(Clue)).one()
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.clue_id == clue.id and attachment.mimetype == "application/pdf"
    url = f"/evaluations/{evaluation.id}/files/{attachment.id}"
    for username in ("staff-changchun", "staff-jilin", "supervisor"):
        client = login_as(username)
        assert "场外与评委接触" in client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
        download = client.get(url)
        assert download.status_code == 200 and download.data == PDF
        assert "attachment" in download.headers["Content-Disposition"]
    for username in ("agent", "province", "changchun", "jilin"):
        client = login_as(username)
        page = client.get(f"/evaluations/{evaluation.id}")
        assert "场外与评委接触" not in page.get_data(as_text=True)
        assert client.get(url).status_code == 404
    # The main venue reports it to the authorities.
    assert drawn["main_staff"].post(f"/evaluations/{evaluation.id}/clues/{clue.id}/report",
                                    data={"reported_to": "长春市住房和城乡建设局", "note": "已电话报告"}).status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Clue)).one().reported_to == "长春市住房和城乡建设局"


def test_an_executable_renamed_to_pdf_is_refused_by_content(drawn):
    evaluation = drawn["evaluation"]
    page = drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/clues", data={
        "venue_id": str(drawn["guest"].id), "text": "线索",
        "files": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "照片.pdf")}, content_type="multipart/form-data")
    assert page.status_code == 422 and "不是允许的文件类型" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Clue.id))) == 0


def test_a_second_guest_venue_does_not_read_the_first_ones_clue(drawn, login_as, orgs, users):
    """Two guest venues: a clue of 吉林市 is for the main venue and supervisors, not for the other guest."""
    from portal.auth.models import Role

    evaluation = drawn["evaluation"]
    yushu = orgs.center(factories.YUSHU)
    other = factories.make_seat_request(drawn["section"], yushu, users["agent"], seats=1, day=drawn["when"])
    db.session.add(EvaluationVenue(evaluation_id=evaluation.id, center_id=yushu.id, seat_request_id=other.id,
                                   experts_needed=0))
    factories.make_user("staff-yushu", Role.CENTER_STAFF, orgs.region("changchun"), yushu)
    db.session.commit()
    drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/clues", data={
        "venue_id": str(drawn["guest"].id), "text": "发现投标人代表在场外与评委接触",
        "files": (io.BytesIO(PDF), "说明.pdf")}, content_type="multipart/form-data")
    attachment = db.session.scalars(select(Attachment)).one()
    yushu_staff = login_as("staff-yushu")
    assert "场外与评委接触" not in yushu_staff.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert yushu_staff.get(f"/evaluations/{evaluation.id}/files/{attachment.id}").status_code == 404


def test_the_main_venue_cannot_file_a_clue_to_itself(drawn):
    evaluation = drawn["evaluation"]
    page = drawn["main_staff"].post(f"/evaluations/{evaluation.id}/clues", data={
        "venue_id": str(drawn["main"].id), "text": "线索"}, content_type="multipart/form-data")
    assert page.status_code == 422
    assert db.session.scalar(select(func.count(Clue.id))) == 0


def test_hand_over_of_three_kinds_then_the_main_venue_confirms(drawn, users):
    evaluation = drawn["evaluation"]
    url = f"/evaluations/{evaluation.id}/handover"
    guest = drawn["guest_staff"]
    early = guest.post(url, data={"venue_id": str(drawn["guest"].id), "kind": "witness", "mode": "physical",
                                  "reference": "移交单 1 号"})
    assert early.status_code == 422 and "评审结束后" in early.get_data(as_text=True)
    _finish(drawn)
    missing = guest.post(url, data={"venue_id": str(drawn["guest"].id), "kind": "av", "mode": "physical",
                                    "reference": ""})
    assert missing.status_code == 422 and "移交单号" in missing.get_data(as_text=True)
    assert guest.post(url, data={"venue_id": str(drawn["guest"].id), "kind": "witness", "mode": "file",
                                 "files": (io.BytesIO(PDF), "见证记录.pdf")},
                      content_type="multipart/form-data").status_code == 303
    assert guest.post(url, data={"venue_id": str(drawn["guest"].id), "kind": "assessment", "mode": "file",
                                 "files": (io.BytesIO(PDF), "考核记录.pdf")},
                      content_type="multipart/form-data").status_code == 303
    receive = f"/evaluations/{evaluation.id}/venues/{drawn['guest'].id}/receive"
    early_receipt = drawn["main_staff"].post(receive, data={"note": ""})
    assert early_receipt.status_code == 422 and "尚未移交全部资料" in early_receipt.get_data(as_text=True)
    assert guest.post(url, data={"venue_id": str(drawn["guest"].id), "kind": "av", "mode": "physical",
                                 "reference": "移动硬盘 JL-AV-07"}).status_code == 303
    venue = db.session.get(EvaluationVenue, drawn["guest"].id)
    db.session.refresh(venue)
    assert venue.handed_over_at is not None
    assert drawn["main_staff"].post(receive, data={"note": "资料齐全"}).status_code == 303
    db.session.refresh(venue)
    assert venue.received_at is not None and venue.received_note == "资料齐全"
    assert guest.post(receive, data={"note": ""}).status_code == 404   # only the main venue confirms


# --- query counts ---------------------------------------------------------------------------------------------

def test_the_evaluation_page_query_count_does_not_grow_with_the_committee(day, login_as):
    client = login_as("staff-changchun")
    assert _fix(client, day, size="5", reps="1", main="2", guest="2").status_code == 303
    evaluation = _evaluation()
    main, guest = _venues(evaluation)
    client.post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED)
    login_as("staff-jilin").post(f"/evaluations/{evaluation.id}/venues/{guest.id}/draw", data=CONFIRMED)
    counts = []
    for _ in range(2):
        with counted_queries() as small:
            assert client.get(f"/evaluations/{evaluation.id}").status_code == 200
        counts.append(len(small))
    # Two more members (a replacement each) and an incident: the same number of queries.
    for member in _members(main):
        client.post(f"/evaluations/{evaluation.id}/members/{member.id}/replace",
                    data={"kind": "declined", "reason": "不能参加"})
    _incident(client, evaluation, main)
    with counted_queries() as large:
        assert client.get(f"/evaluations/{evaluation.id}").status_code == 200
    assert len(large) == counts[-1], (counts, len(large))
    with counted_queries() as board:
        assert client.get(f"/evaluations/{evaluation.id}/board", headers={"HX-Request": "true"}).status_code == 200
    assert len(board) <= 8


# --- time guards (China time, the server in UTC) ------------------------------------------------------------

@pytest.fixture
def utc_server(monkeypatch):
    """The server's own zone is UTC: 'today' must still be China's."""
    import time as system_time

    monkeypatch.setenv("TZ", "UTC")
    system_time.tzset()
    yield
    monkeypatch.undo()
    system_time.tzset()


def test_the_draw_opens_at_midnight_china_time_of_the_working_day_before(day, login_as, travel, utc_server):
    from portal.calendar.services import load_calendar

    assert _fix(login_as("staff-changchun"), day).status_code == 303
    evaluation = _evaluation()
    main, _ = _venues(evaluation)
    opening = load_calendar().add_working_days(day["when"], -1)
    travel(_china(opening, 0, 0) - timedelta(minutes=1), tick=False)     # 15:59 UTC, the day before in China
    page = login_as("staff-changchun").post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED)
    assert page.status_code == 422
    assert f"专家抽取自 {opening:%Y-%m-%d} 00:00 起开放" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ExpertDraw.id))) == 0
    travel(_china(opening, 0, 0), tick=False)                            # 16:00 UTC: midnight in China
    assert login_as("staff-changchun").post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED).status_code == 303
    assert db.session.scalar(select(func.count(ExpertDraw.id))) == 1


def test_the_draw_may_open_hours_before_the_start(app, day, login_as, travel):
    assert _fix(login_as("staff-changchun"), day).status_code == 303
    evaluation = _evaluation()
    main, _ = _venues(evaluation)
    app.config["EVALUATION_DRAW_OPEN_HOURS"] = 2
    try:
        travel(_china(day["when"], 6, 59), tick=False)                   # the evaluation starts at 09:00
        page = login_as("staff-changchun").post(f"/evaluations/{evaluation.id}/venues/{main.id}/draw", data=CONFIRMED)
        assert page.status_code == 422 and f"{day['when']:%Y-%m-%d} 07:00 起开放" in page.get_data(as_text=True)
    finally:
        app.config["EVALUATION_DRAW_OPEN_HOURS"] = None


def test_sign_in_signatures_and_the_end_only_on_the_evaluation_day(drawn, login_as, travel, utc_server):
    evaluation, when = drawn["evaluation"], drawn["when"]
    member = _members(drawn["main"])[0]
    travel(_china(when, 0, 0) - timedelta(minutes=1), tick=False)        # 23:59 the day before, China time
    staff = login_as("staff-changchun")
    page = _sign_in(staff, evaluation, member, drawn["cc_stations"][0])
    assert page.status_code == 422
    assert f"签到只能在评标当日（{when:%Y-%m-%d}）进行" in page.get_data(as_text=True)
    assert _members(drawn["main"])[0].signed_in_at is None
    page = staff.post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED)
    assert page.status_code == 422 and "下达评审结束指令只能在评标当日" in page.get_data(as_text=True)
    travel(_china(when, 0, 0), tick=False)                               # 16:00 UTC: the evaluation day in China
    staff = login_as("staff-changchun")
    assert _sign_in(staff, evaluation, member, drawn["cc_stations"][0]).status_code == 303
    travel(_china(when + timedelta(days=1), 0, 0), tick=False)           # the day after, China time
    staff = login_as("staff-changchun")
    page = staff.post(f"/evaluations/{evaluation.id}/members/{member.id}/sign/report_signed_at")
    assert page.status_code == 422 and f"评标日期（{when:%Y-%m-%d}）已过，不能再登记签署" in page.get_data(as_text=True)
    assert _members(drawn["main"])[0].report_signed_at is None
    assert "已过" in staff.post(f"/evaluations/{evaluation.id}/end", data=CONFIRMED).get_data(as_text=True)
    assert _evaluation().ended_at is None


def test_an_incident_in_the_future_is_refused(drawn):
    """The clock stands at 09:30 of the evaluation day: 10:00 has not happened yet."""
    when = drawn["when"]
    page = _incident(drawn["guest_staff"], drawn["evaluation"], drawn["guest"],
                     occurred_at=f"{when:%Y-%m-%d}T10:00")
    assert page.status_code == 422
    assert f"发生时间 {when:%Y-%m-%d} 10:00 晚于现在" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Incident.id))) == 0
    assert _incident(drawn["guest_staff"], drawn["evaluation"], drawn["guest"],
                     occurred_at=f"{when:%Y-%m-%d}T09:10").status_code == 303


def test_the_winner_only_after_the_publicity_period(drawn, login_as, travel):
    _finish(drawn)
    evaluation, when = drawn["evaluation"], drawn["when"]
    travel(_china(when + timedelta(days=2), 10, 0))
    page = login_as("staff-changchun").post(f"/evaluations/{evaluation.id}/winner",
                                            data={"winner_determined_on": (when + timedelta(days=2)).isoformat()})
    assert page.status_code == 422
    assert f"最早可于 {when + timedelta(days=3):%Y-%m-%d} 确定中标人" in page.get_data(as_text=True)
    assert _evaluation().winner_determined_on is None
    travel(_china(when + timedelta(days=3), 10, 0))
    assert login_as("staff-changchun").post(f"/evaluations/{evaluation.id}/winner", data={
        "winner_determined_on": (when + timedelta(days=3)).isoformat()}).status_code == 303


# --- due dates after the end instruction (issue 23) ------------------------------------------------------------

def test_due_dates_count_from_the_china_day_of_the_end_instruction(drawn, login_as, travel, utc_server):
    from portal.calendar.rules import calendar_version
    from portal.calendar.services import load_calendar

    travel(_china(drawn["when"], 0, 30), tick=False)      # 16:30 UTC: still the day before in UTC
    w = {**drawn, "main_staff": login_as("staff-changchun"), "guest_staff": login_as("staff-jilin")}
    _finish(w)
    ended = _evaluation()
    calendar = load_calendar()
    assert ended.payment_due == calendar.add_working_days(drawn["when"], 3)
    assert calendar.add_working_days(drawn["when"] - timedelta(days=1), 3) != ended.payment_due   # not the UTC day
    assert _venues(ended)[1].handover_due == ended.payment_due
    assert ended.due_calendar_version == calendar_version(calendar)


def _holiday(client, day):
    return client.post("/calendar/overrides", data={"day": day.isoformat(), "working": "off",
                                                    "notice": "国务院办公厅关于部分节假日安排的通知", "note": "测试"})


def test_a_calendar_change_moves_open_due_dates_and_tells_their_holders(drawn, login_as, users):
    from portal.calendar.services import load_calendar

    _finish(drawn)
    evaluation = _evaluation()
    old_due, old_version = evaluation.payment_due, evaluation.due_calendar_version
    day_off = load_calendar().add_working_days(drawn["when"], 1)     # a working day inside the period
    assert _holiday(login_as("province"), day_off).status_code == 303
    moved = _evaluation()
    assert moved.payment_due == load_calendar().add_working_days(old_due, 1) and moved.payment_due > old_due
    assert _venues(moved)[1].handover_due == moved.payment_due
    assert moved.due_calendar_version != old_version
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.text.contains("工作日历调整")))}
    assert {users["agent"].id, users["staff-jilin"].id, users["staff-changchun"].id} <= told
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.summary.contains("工作日历调整"))).first()


def test_a_met_due_date_stays_when_the_calendar_changes(drawn, login_as):
    from portal.calendar.services import load_calendar

    _finish(drawn)
    evaluation = _evaluation()
    old_due = evaluation.payment_due
    db.session.execute(update(CommitteeMember).values(paid_at=evaluation.ended_at, paid_yuan=Decimal(1)))
    db.session.commit()
    day_off = load_calendar().add_working_days(drawn["when"], 1)
    assert _holiday(login_as("province"), day_off).status_code == 303
    after = _evaluation()
    assert after.payment_due == old_due                                # every expert paid: met, not moved
    assert _venues(after)[1].handover_due > old_due                    # the hand-over is still open: moved


def test_a_booking_is_completed_only_after_the_end_instruction(drawn, login_as):
    from portal.bookings.models import SeatRequest
    from portal.bookings.rules import Status

    req = db.session.get(SeatRequest, drawn["req"].id)
    agent = login_as("agent")
    page = agent.post(f"/bookings/{req.id}/complete", data={"version": str(req.version)})
    assert page.status_code == 422 and "下达评审结束指令后才能标记为已完成" in page.get_data(as_text=True)
    _finish(drawn)
    db.session.expire_all()
    req = db.session.get(SeatRequest, drawn["req"].id)
    assert agent.post(f"/bookings/{req.id}/complete", data={"version": str(req.version)}).status_code == 303
    db.session.expire_all()
    assert db.session.get(SeatRequest, req.id).status is Status.COMPLETED


def test_the_incident_form_starts_at_now_china_time(drawn):
    """The day fixture stands at 09:30 China time of the evaluation day (the server's clock runs in UTC)."""
    page = drawn["guest_staff"].get(f"/evaluations/{drawn['evaluation'].id}").get_data(as_text=True)
    field = page.split('name="occurred_at"')[1].split(">")[0]
    assert f'value="{drawn["when"].isoformat()}T09:3' in field


def test_the_checklist_shows_each_items_state_and_what_its_button_does(drawn):
    evaluation, guest = drawn["evaluation"], drawn["guest"]
    page = drawn["guest_staff"].get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    checklist = page.split(f'id="duties-{guest.id}"')[1].split("</ul>")[0]
    assert "○ 待完成" in checklist and "标记完成" in checklist and "✓ 已完成" not in checklist
    assert drawn["guest_staff"].post(f"/evaluations/{evaluation.id}/venues/{guest.id}/duties",
                                     data={"item": "av", "done": "1"}).status_code == 303
    page = drawn["guest_staff"].get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    checklist = page.split(f'id="duties-{guest.id}"')[1].split("</ul>")[0]
    assert "✓ 已完成" in checklist and "撤销" in checklist


def test_a_payment_records_its_day_and_voucher_and_is_corrected_only_with_a_reason(drawn, login_as):
    _finish(drawn)
    evaluation, member = drawn["evaluation"], _members(drawn["guest"])[0]
    agent, url = login_as("agent"), f"/evaluations/{evaluation.id}/members/{member.id}/paid"
    tomorrow = (drawn["when"] + timedelta(days=1)).isoformat()
    future = agent.post(url, data={"amount": "660", "reference": "YH-1", "paid_on": tomorrow})
    assert future.status_code == 422 and "支付日期不能晚于今天" in future.get_data(as_text=True)
    assert next(m for m in _members() if m.id == member.id).paid_at is None           # nothing saved
    assert agent.post(url, data={**CONFIRMED, "amount": "600", "reference": "YH-1", "paid_on": drawn["when"].isoformat()}
                      ).status_code == 303
    again = agent.post(url, data={"amount": "660", "reference": "YH-2"})
    assert again.status_code == 422 and "如需更正，请填写更正原因" in again.get_data(as_text=True)
    assert agent.post(url, data={"amount": "660", "reference": "YH-2", "paid_on": drawn["when"].isoformat(),
                                 "correction": "漏付就餐费"}).status_code == 303
    paid = next(m for m in _members() if m.id == member.id)
    assert (paid.paid_yuan, paid.payment_ref, paid.paid_on) == (Decimal("660.00"), "YH-2", drawn["when"])
    entry = db.session.scalars(select(AuditEntry).filter_by(action="pay").order_by(AuditEntry.id.desc())).first()
    assert "600.00 元" in entry.summary and "660.00 元" in entry.summary and "漏付就餐费" in entry.summary
    page = agent.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "更正支付记录" in page and "凭证 YH-2" in page
