"""The workbench's card builders: each reads one feature's records within the reader's scope and returns a Card.

Each builder sends a fixed number of queries whatever the data (a count and the few most urgent rows, or one
bounded list), so the home page's query count stays flat. Nothing here names an expert: the cards show sections,
requests, centers and counts only.
"""
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from ..auth.permissions import scope_clause
from ..bookings.models import SeatRequest
from ..bookings.rules import ACTIVE_STATUSES, HOLDING_STATUSES
from ..bookings.rules import Status as RequestStatus
from ..calendar.services import deadline_for, load_calendar
from ..clock import to_china, utcnow
from ..evaluations import access as evaluation_access
from ..evaluations.models import Clue, Evaluation, Incident
from ..evaluations.rules import INCIDENT_LABELS, DueKind
from ..evaluations.services import deadlines
from ..experts import services as experts
from ..extensions import db
from ..notices.models import Notice
from ..notices.rules import Status as NoticeStatus
from ..orgs.models import Region, TradingCenter
from ..partners.models import JointTestStatus
from ..partners.services import joint_test_overview
from ..projects.models import Exemption, Project, Section
from ..projects.rules import Level
from ..reports import rules as report_rules
from ..reports import table as report_table
from ..reports.counting import FILED, due_day
from ..reports.models import MonthlyReport
from ..training.models import TrainingSession
from ..training.rules import Status as TrainingStatus
from ..workstations.services import center_counts, standing_secondary_compliance
from . import access, rules
from .rules import Card, Entry, card

LIST_LIMIT = 200   # a bounded list where the card counts in Python (a week's evaluations, upcoming sessions)


def build(user, today: date) -> list[Card]:
    """The cards of `user`'s workbench, in order (none for a visitor)."""
    return [BUILDERS[key](user, today) for key in access.cards_for(user)]


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _center_name(center: TradingCenter) -> str:
    return center.short_name or center.name


# --- center staff ------------------------------------------------------------------------------------------------

def inbox(user, today: date) -> Card:
    """Guest-seat requests waiting for this center's answer (客场待答复), with the day to answer by."""
    waiting = select(SeatRequest).where(scope_clause("bookings.answer", SeatRequest, user),
                                        SeatRequest.status == RequestStatus.SUBMITTED)
    rows = db.session.scalars(
        waiting.options(joinedload(SeatRequest.section).joinedload(Section.project),
                        joinedload(SeatRequest.main_center))
        .order_by(SeatRequest.evaluation_date, SeatRequest.start_time, SeatRequest.id).limit(rules.SHOWN)).all()
    calendar = load_calendar()
    entries = [Entry(f"{req.number} {req.section.project.name} {req.section.name}",
                     url_for("bookings.answer", request_id=req.id), rules.answer_by(calendar, req.evaluation_date),
                     f"{req.main_center.name}申请 {req.seats_requested} 个机位；评标 "
                     f"{req.evaluation_date:%m-%d} {req.start_time:%H:%M}；招标人 {req.section.project.tenderee}",
                     verb="截止答复")
               for req in rows]
    return card("inbox", "待答复的客场机位申请", _count(waiting), entries, today,
                url_for("bookings.inbox"), "打开客场待办", empty="没有等待本中心答复的申请。",
                note="请在评标日前一个工作日前答复（接受并分配工位，或说明原因拒绝）。")


def week(user, today: date) -> Card:
    """Evaluations at this center from today to Sunday, as main venue (its sections) or guest venue (its
    accepted seats)."""
    last = rules.week_end(today)
    center_id = user.center_id
    main = db.session.scalars(
        select(Section).where(scope_clause("projects.view", Section, user), Section.main_center_id == center_id,
                              Section.evaluation_date.between(today, last))
        .options(joinedload(Section.project)).order_by(Section.evaluation_date, Section.start_time)
        .limit(LIST_LIMIT)).all()
    guest = db.session.scalars(
        select(SeatRequest).where(scope_clause("bookings.view", SeatRequest, user),
                                  SeatRequest.guest_center_id == center_id,
                                  SeatRequest.status.in_(HOLDING_STATUSES),
                                  SeatRequest.evaluation_date.between(today, last))
        .options(joinedload(SeatRequest.section).joinedload(Section.project), joinedload(SeatRequest.main_center))
        .order_by(SeatRequest.evaluation_date, SeatRequest.start_time).limit(LIST_LIMIT)).all()
    entries = [Entry(f"{s.project.name} {s.name}", url_for("evaluations.for_section", section_id=s.id),
                     s.evaluation_date, "主场" + (f" {s.start_time:%H:%M}" if s.start_time else ""), verb="评标")
               for s in main]
    entries += [Entry(f"{r.section.project.name} {r.section.name}", url_for("bookings.show", request_id=r.id),
                      r.evaluation_date, f"客场（主场：{_center_name(r.main_center)}）{r.start_time:%H:%M}，"
                      f"{r.seats_accepted or r.seats_requested} 个机位", verb="评标", rank=1)
                for r in guest]
    days = [e.due for e in entries]
    return card("week", "本中心本周评标", len(entries), entries, today,
                url_for("bookings.calendar"), "打开工位预订日历", empty="本周（至星期日）本中心没有评标安排。",
                note=f"今天 {days.count(today)} 场，本周（至 {last:%m-%d}）共 {len(days)} 场。")


def _due(user, today: date, kinds) -> list[Entry]:
    """The deadlines board's items of `kinds` for `user` (its own open items, or an overseer's overdue ones)."""
    items = deadlines.due_items(evaluation_access.due_reach(user), today)
    return [Entry(f"{item.kind.label}：{item.title}", item.link, item.due,
                  "；".join(part for part in (item.who, item.detail) if part))
            for item in items if item.kind in kinds]


def due(user, today: date) -> Card:
    """Hand-overs, receipts, filing drafts and payments of this center's evaluations (期限提醒)."""
    entries = _due(user, today, set(DueKind))
    return card("due", "资料移交、接收及其他期限", len(entries), entries, today,
                url_for("evaluations.deadlines"), "打开期限提醒", empty="没有待办的期限事项。")


def shortage(user, today: date) -> Card:
    """Specialties with fewer available experts (全省可用) than the minimum the province set."""
    wanted = experts.minimums()
    entries = []
    if wanted:
        counts = experts.catalogue_counts(scope="province", today=today)
        for specialty in experts.specialty_tree(active_only=True):
            need = wanted.get(specialty.id)
            have = counts.get((specialty.code, None), 0)
            if need is not None and have < need:
                entries.append(Entry(f"{specialty.code} {specialty.name}", url_for("experts.shortage"),
                                     detail=f"可用 {have} 人，最低需要 {need} 人，缺 {need - have} 人",
                                     rank=have - need))
    return card("shortage", "评标专家缺口", len(entries), entries, today, url_for("experts.shortage"),
                "查看专家缺口", empty="各专业可用专家均不少于最低需要数（或尚未设定最低数）。")


# --- agents ------------------------------------------------------------------------------------------------------

def sections(user, today: date) -> Card:
    """The agent's sections that must go remote and have no live guest-seat request yet, with their filing
    deadline (3 working days before the evaluation)."""
    live = exists(select(SeatRequest.id).where(SeatRequest.section_id == Section.id,
                                               SeatRequest.status.in_(ACTIVE_STATUSES)))
    exempted = exists(select(Exemption.id).where(Exemption.section_id == Section.id))
    open_ = select(Section).where(scope_clause("projects.manage", Section, user),
                                  Section.evaluation_date >= today,
                                  Section.remote_level.in_((Level.MUST, Level.SHOULD)), ~live, ~exempted)
    rows = db.session.scalars(open_.options(joinedload(Section.project))
                              .order_by(Section.evaluation_date, Section.id).limit(rules.SHOWN)).all()
    entries = []
    for s in rows:
        deadline = deadline_for(s.evaluation_date)
        entries.append(Entry(f"{s.project.name} {s.name}", url_for("bookings.new", section=s.id),
                             deadline.latest_filing_date,
                             f"评标日期 {s.evaluation_date:%Y-%m-%d}；{deadline.rule_text()}"))
    return card("sections", "待申请客场机位的标段", _count(open_), entries, today,
                url_for("projects.index"), "打开我的项目", empty="应采用远程异地评标的标段都已提出客场机位申请。",
                note="原则上应采用远程异地评标的标段，须在评标日 3 个工作日前提交客场机位申请。")


ANSWERED_DAYS = 7   # answers shown on the agent's card for a week after they came


def requests(user, today: date) -> Card:
    """The agent's requests: drafts to submit (with the deadline), those waiting for an answer, and answers of
    the last week (a rejection or a partial acceptance first)."""
    since = utcnow() - timedelta(days=ANSWERED_DAYS)
    answered = (RequestStatus.ACCEPTED, RequestStatus.PARTLY_ACCEPTED, RequestStatus.REJECTED)
    mine = select(SeatRequest).where(
        scope_clause("bookings.request", SeatRequest, user),
        or_(SeatRequest.status.in_((RequestStatus.DRAFT, RequestStatus.SUBMITTED)),
            and_(SeatRequest.status.in_(answered), SeatRequest.answered_at >= since)),
        SeatRequest.evaluation_date >= today)
    rows = db.session.scalars(
        mine.options(joinedload(SeatRequest.section), joinedload(SeatRequest.guest_center))
        .order_by(SeatRequest.evaluation_date, SeatRequest.id).limit(LIST_LIMIT)).all()
    rank = {RequestStatus.DRAFT: 0, RequestStatus.REJECTED: 1, RequestStatus.PARTLY_ACCEPTED: 2,
            RequestStatus.SUBMITTED: 3, RequestStatus.ACCEPTED: 4}
    entries = []
    for req in rows:
        due_on, detail = None, f"{req.status.label}；客场 {_center_name(req.guest_center)}；评标 {req.evaluation_date:%Y-%m-%d}"
        if req.status is RequestStatus.DRAFT:
            due_on = deadline_for(req.evaluation_date).latest_filing_date
            detail = f"草稿，待提交；客场 {_center_name(req.guest_center)}；评标 {req.evaluation_date:%Y-%m-%d}"
        elif req.status in answered and req.answered_at:
            detail += f"；{to_china(req.answered_at):%m-%d %H:%M} 答复"
            if req.status is RequestStatus.PARTLY_ACCEPTED:
                detail += f"（接受 {req.seats_accepted}/{req.seats_requested} 个机位）"
        entries.append(Entry(f"{req.number} {req.section.name}", url_for("bookings.show", request_id=req.id),
                             due_on, detail, rank=rank.get(req.status, 5)))
    # What needs the agent first: drafts (dated, so first by urgency), then rejections and partial answers.
    return card("requests", "我的客场机位申请", len(entries), entries, today, url_for("bookings.index"),
                "打开全部申请", empty="没有进行中的申请，近一周也没有新的答复。")


def payments(user, today: date) -> Card:
    """Expert fees and meals of ended evaluations not yet recorded as paid (3 working days after)."""
    entries = _due(user, today, {DueKind.PAYMENT})
    return card("payments", "待支付的专家劳务费", len(entries), entries, today, url_for("evaluations.deadlines"),
                "打开期限提醒", empty="没有待支付的专家劳务费。")


# --- prefecture and province ------------------------------------------------------------------------------------

def _standing_entries(region_center_ids: set[int] | None) -> tuple[list[Entry], int, int]:
    """Standing secondary venues short of cross-province workstations (within the centers given, or all)."""
    rows = [(row, c) for row, c in standing_secondary_compliance()
            if region_center_ids is None or row.id in region_center_ids]
    link = url_for("workstations.compliance")
    entries = [Entry(row.name, link, detail=f"跨省工位 {c.actual} 个，应不少于 {c.required} 个，差 {c.shortfall} 个",
                     rank=-c.shortfall)
               for row, c in rows if not c.complies]
    return entries, len(rows), len(rows) - len(entries)


def centers(user, today: date) -> Card:
    """The region's centers: standing secondary venues short of workstations, centers with none available."""
    rows = center_counts(where=(TradingCenter.region_id == user.region_id,)) if user.region_id else []
    entries, standing, complying = _standing_entries({row.id for row in rows})
    entries += [Entry(row.name, url_for("workstations.index", center=row.id),
                      detail="没有可用的评标工位" if row.total else "尚未登记评标工位", rank=1)
                for row in rows if row.available == 0]
    note = f"本地区 {len(rows)} 个交易中心" + (f"，常态化副场 {standing} 个、达标 {complying} 个" if standing else "") + "。"
    return card("centers", "本地区交易中心达标情况", len(entries), entries, today,
                url_for("workstations.compliance"), "查看达标情况", empty="本地区交易中心均已达标，且都有可用工位。",
                note=note)


def _report_month(today: date) -> tuple[date, date]:
    month = report_rules.reporting_month(today)
    return month, report_rules.last_day_on_time(month, due_day())


def report(user, today: date) -> Card:
    """The region's monthly report (月调度情况表) of last month: its state and the last day on time."""
    month, last = _report_month(today)
    region = db.session.get(Region, user.region_id) if user.region_id else None
    if region is None:
        return card("report", "月调度情况表", 0, [], today, url_for("reports.index"), "打开月调度情况表")
    filed = db.session.scalars(select(MonthlyReport).where(MonthlyReport.region_id == region.id,
                                                           MonthlyReport.month == month)).first()
    label = f"{month.year}年{month.month}月月调度情况表"
    link = url_for("reports.region", month=month, code=region.code)
    if filed is not None and filed.status in FILED:
        entries, count = [Entry(label, link, detail=filed.status.label + ("（迟报）" if filed.late else ""))], 0
    else:
        state = filed.status.label if filed is not None else "尚未填报"
        if filed is not None and filed.return_comment and filed.status is report_rules.Status.RETURNED:
            state += f"：{filed.return_comment}"
        entries, count = [Entry(label, link, last, state)], 1
    return card("report", "本地区月调度情况表", count, entries, today, link, "去填报" if count else "查看",
                note=f"每月 {due_day()} 日前（含当日）报送上月情况。")


def late_regions(user, today: date) -> Card:
    """Regions that have not submitted last month's report; late after the last day on time."""
    month, last = _report_month(today)
    submitted = report_table.submitted_region_ids(month)
    regions = report_table.reporting_regions(month)
    missing = [r for r in regions if r.id not in submitted]
    entries = [Entry(r.name, url_for("reports.region", month=month, code=r.code), last, "尚未报送", rank=n)
               for n, r in enumerate(missing)]
    late = "已逾期" if today > last else f"{last:%m-%d} 截止"
    return card("late_regions", f"{month.year}年{month.month}月调度情况表未报送地区", len(missing), entries, today,
                url_for("reports.month", month=month), "查看报送情况",
                empty="各地区均已报送。", note=f"{len(regions)} 个地区已报送 {len(regions) - len(missing)} 个；{late}。")


def standing(user, today: date) -> Card:
    """Standing cross-province secondary venues (常态化副场) short of cross-province workstations."""
    entries, total, complying = _standing_entries(None)
    return card("standing", "常态化副场工位达标", len(entries), entries, today, url_for("workstations.compliance"),
                "查看达标情况", empty="常态化跨省副场均达标。", note=f"共 {total} 个常态化副场，{complying} 个达标。")


def joint_tests(user, today: date) -> Card:
    """Partner provinces whose joint testing (联调联试) is not yet passed: its latest step and date."""
    settled = (JointTestStatus.PASSED, JointTestStatus.ROUTINE)
    entries, unrecorded = [], 0
    for province, event, steps in joint_test_overview():
        if event is None:
            unrecorded += 1
            continue
        if event.status in settled:
            continue
        link = url_for("partners.joint_tests", province_id=province.id)
        if event.status is JointTestStatus.PLANNED:
            entries.append(Entry(province.name, link, event.event_date, f"{event.status.label}（{steps} 步）",
                                 verb="联调"))
        else:
            entries.append(Entry(province.name, link, detail=f"{event.status.label}，自 {event.event_date:%Y-%m-%d}",
                                 rank=0))
    return card("joint_tests", "跨省联调联试待推进", len(entries), entries, today, url_for("partners.index"),
                "打开跨省合作", empty="已开展联调联试的省份均已测试通过或常态化运行。",
                note=f"另有 {unrecorded} 个省份尚未记录联调联试。" if unrecorded else "")


def overdue(user, today: date) -> Card:
    """Overdue hand-overs, receipts and payments in the overseer's reach."""
    entries = _due(user, today, set(DueKind))
    return card("overdue", "逾期事项", len(entries), entries, today, url_for("evaluations.deadlines"),
                "打开期限提醒", empty="没有逾期的资料移交、接收或劳务费支付。")


# --- supervisors ------------------------------------------------------------------------------------------------

def _evaluations_of(user):
    return scope_clause("evaluation.view", Evaluation, user)


def clues(user, today: date) -> Card:
    """Violation clues (违法违规线索) of the region's evaluations, those not yet reported on first."""
    stmt = (select(Clue, Section.name).join(Evaluation, Clue.evaluation_id == Evaluation.id)
            .join(Section, Evaluation.section_id == Section.id).where(_evaluations_of(user)))
    rows = db.session.execute(stmt.order_by(Clue.reported_at.is_not(None), Clue.filed_at.desc())
                              .limit(rules.SHOWN)).all()
    pending = _count(select(Clue.id).join(Evaluation, Clue.evaluation_id == Evaluation.id)
                     .where(_evaluations_of(user), Clue.reported_at.is_(None)))
    entries = [Entry(name, f"/evaluations/{clue.evaluation_id}#clues",
                     detail=(f"{to_china(clue.filed_at):%m-%d} 移交；"
                             + (f"已报告 {clue.reported_to or ''}".strip() if clue.reported_at else "待主场报告")),
                     rank=n)
               for n, (clue, name) in enumerate(rows)]
    return card("clues", "违法违规线索", pending, entries, today, url_for("evaluations.index"), "打开评标记录",
                empty="本地区没有移交的违法违规线索。", note="数字为尚未报告的线索。")


def incidents(user, today: date) -> Card:
    """Incidents (突发情况) at the region's evaluations, those not resumed first, newest first."""
    stmt = (select(Incident, Section.name).join(Evaluation, Incident.evaluation_id == Evaluation.id)
            .join(Section, Evaluation.section_id == Section.id).where(_evaluations_of(user)))
    rows = db.session.execute(stmt.order_by(Incident.resumed_at.is_not(None), Incident.occurred_at.desc())
                              .limit(rules.SHOWN)).all()
    open_ = _count(select(Incident.id).join(Evaluation, Incident.evaluation_id == Evaluation.id)
                   .where(_evaluations_of(user), Incident.resumed_at.is_(None)))
    entries = [Entry(f"{INCIDENT_LABELS.get(i.kind, i.kind)}：{name}", f"/evaluations/{i.evaluation_id}#incidents",
                     detail=f"{to_china(i.occurred_at):%m-%d %H:%M} 发生；"
                            + (f"{to_china(i.resumed_at):%H:%M} 已恢复" if i.resumed_at else "尚未恢复"),
                     rank=n)
               for n, (i, name) in enumerate(rows)]
    return card("incidents", "突发情况", open_, entries, today, url_for("evaluations.index"), "打开评标记录",
                empty="本地区没有记录突发情况。", note="数字为尚未恢复的突发情况。")


def exemptions(user, today: date) -> Card:
    """Sections not going remote (不采用远程异地评标的书面说明), those not yet filed with the supervisor first."""
    stmt = (select(Exemption, Section.name, Project.name).join(Section, Exemption.section_id == Section.id)
            .join(Project, Section.project_id == Project.id).where(scope_clause("exemptions.view", Section, user)))
    rows = db.session.execute(stmt.order_by(Exemption.filed_on.is_not(None), Exemption.created_at.desc())
                              .limit(rules.SHOWN)).all()
    unfiled = _count(select(Exemption.id).join(Section, Exemption.section_id == Section.id)
                     .where(scope_clause("exemptions.view", Section, user), Exemption.filed_on.is_(None)))
    entries = [Entry(f"{project} {section}", url_for("projects.section", section_id=e.section_id),
                     detail=e.reason_label + (f"；{e.filed_on:%Y-%m-%d} 已备案" if e.filed_on else "；待中标后备案"),
                     rank=n)
               for n, (e, section, project) in enumerate(rows)]
    return card("exemptions", "不采用远程异地评标的说明", unfiled, entries, today,
                url_for("projects.exemptions", unfiled=1), "查看未备案的说明", empty="本地区没有不采用远程异地评标的标段。",
                note="数字为尚未备案的说明。")


# --- publicity --------------------------------------------------------------------------------------------------

def notices(user, today: date) -> Card:
    """Drafts and scheduled notices (定时发布) of the writer's scope."""
    now = utcnow()
    stmt = select(Notice).where(scope_clause("notices.manage", Notice, user),
                                or_(Notice.status == NoticeStatus.DRAFT,
                                    and_(Notice.status == NoticeStatus.PUBLISHED, Notice.publish_at > now)))
    rows = db.session.scalars(stmt.order_by(Notice.status != NoticeStatus.DRAFT, Notice.updated_at.desc())
                              .limit(rules.SHOWN)).all()
    entries = []
    for n, notice in enumerate(rows):
        if notice.status is NoticeStatus.DRAFT:
            entries.append(Entry(notice.title, url_for("notices.edit", notice_id=notice.id), detail="草稿", rank=n))
        else:
            at = to_china(notice.publish_at)
            entries.append(Entry(notice.title, url_for("notices.edit", notice_id=notice.id), at.date(),
                                 f"定时发布：{at:%Y-%m-%d %H:%M}", verb="发布"))
    return card("notices", "公告草稿与定时发布", _count(stmt), entries, today,
                url_for("notices.manage"), "管理公告", empty="没有草稿或待定时发布的公告。",
                actions=(("撰写公告", url_for("notices.new")),))


def training(user, today: date) -> Card:
    """Upcoming published sessions of the organiser's scope whose seats are running out."""
    sessions = db.session.scalars(
        select(TrainingSession).where(scope_clause("training.manage", TrainingSession, user),
                                      TrainingSession.status == TrainingStatus.PUBLISHED,
                                      TrainingSession.starts_at > utcnow())
        .order_by(TrainingSession.starts_at).limit(LIST_LIMIT)).all()
    filling = [s for s in sessions if rules.filling_up(s.enrolled, s.capacity)]
    entries = [Entry(s.title, url_for("training.enrolments", session_id=s.id), to_china(s.starts_at).date(),
                     f"已报名 {s.enrolled}/{s.capacity}，余 {s.seats_left} 个名额", verb="开班")
               for s in filling]
    return card("training", "名额将满的培训", len(filling), entries, today, url_for("training.manage"), "管理培训",
                empty="近期培训的名额都还充足。", note=f"即将举办的培训 {len(sessions)} 期。",
                actions=(("发布培训", url_for("training.new")),))


BUILDERS = {
    "inbox": inbox, "week": week, "due": due, "shortage": shortage,
    "sections": sections, "requests": requests, "payments": payments,
    "centers": centers, "report": report, "late_regions": late_regions, "standing": standing,
    "joint_tests": joint_tests, "overdue": overdue,
    "clues": clues, "incidents": incidents, "exemptions": exemptions,
    "notices": notices, "training": training,
}
