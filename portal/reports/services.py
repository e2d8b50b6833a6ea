"""The monthly dispatch report: counting the remote columns from the month's guest seats, drafts,
corrections, submission and return, the province's table, year to date, reminders.

Services flush and write the audit entry; the view commits once.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import spreadsheets
from ..audit.services import current_actor_id, record
from ..auth import recipients
from ..bookings.models import SeatRequest
from ..bookings.rules import Status as SeatStatus
from ..clock import china_today, local_midnight_utc
from ..errors import ChangeRefused, flush_or_refuse
from ..evaluations.models import EvaluationVenue
from ..extensions import db
from ..models_base import utcnow
from ..notifications.models import Notification
from ..notifications.services import notify
from ..orgs.models import Province, Region, TradingCenter
from ..projects.models import Section
from . import access, rules
from .models import MonthlyReport, ReportCorrection, ReportVersion
from .rules import CELL, CELLS, COMPUTED, ENTERED, GuestUse, Move, Status

FILED = (Status.SUBMITTED, Status.APPROVED)

# Requests whose guest venue was (or is to be) used: accepted in whole or part, or completed.
USED = (SeatStatus.ACCEPTED, SeatStatus.PARTLY_ACCEPTED, SeatStatus.COMPLETED)


class ReportError(ChangeRefused):
    pass


def due_day() -> int:
    return int(current_app.config.get("MONTHLY_REPORT_DUE_DAY", rules.DEFAULT_DUE_DAY))


def home_regions() -> list[Region]:
    """The reporting units in the attachment's order."""
    return list(db.session.scalars(select(Region).order_by(Region.sort_order)))


def region_by_code(code: str) -> Region | None:
    if not code or len(code) > 20:
        return None
    return db.session.scalars(select(Region).where(Region.code == code)).first()


# --- counting ------------------------------------------------------------------------------------------------

def _counted(first: date, last: date):
    """The guest-seat requests a report counts: used (accepted, partly accepted, completed) with seats, for an
    evaluation dated first..last."""
    return and_(SeatRequest.status.in_(USED), SeatRequest.evaluation_date >= first,
                SeatRequest.evaluation_date <= last, SeatRequest.seats_accepted > 0)


def guest_uses(first: date, last: date, region_ids=None) -> list[tuple[date, GuestUse]]:
    """Every guest venue used by a remote evaluation dated first..last, with the evaluation's date.

    One query: the accepted guest-seat requests, their section, both centers' regions, the other
    province's name, and the experts the committee placed at that venue (or, before the committee is
    fixed, the seats accepted).
    """
    main_center, guest_center = aliased(TradingCenter), aliased(TradingCenter)
    main_region, guest_region = aliased(Region), aliased(Region)
    stmt = (
        select(SeatRequest.evaluation_date, SeatRequest.section_id, Section.project_id,
               main_center.region_id, main_region.name, main_region.sort_order, guest_center.region_id, guest_region.name,
               guest_region.sort_order, Province.name, Province.sort_order,
               func.coalesce(Section.budget_wan, Section.estimated_price_wan), Section.winning_bid_wan,
               func.coalesce(EvaluationVenue.experts_needed, SeatRequest.seats_accepted))
        .join(Section, Section.id == SeatRequest.section_id)
        .join(main_center, main_center.id == SeatRequest.main_center_id)
        .outerjoin(main_region, main_region.id == main_center.region_id)
        .join(guest_center, guest_center.id == SeatRequest.guest_center_id)
        .outerjoin(guest_region, guest_region.id == guest_center.region_id)
        .join(Province, Province.id == guest_center.province_id)
        .outerjoin(EvaluationVenue, EvaluationVenue.seat_request_id == SeatRequest.id)
        .where(_counted(first, last))
    )
    if region_ids is not None:   # only what these regions' rows count, on either side
        ids = list(region_ids)
        stmt = stmt.where(or_(main_center.region_id.in_(ids), guest_center.region_id.in_(ids)))
    out = []
    for (day, section_id, project_id, main_region_id, main_name, main_order, guest_region_id, guest_name, guest_order,
         province_name, province_order, budget, winning, experts) in db.session.connection().execute(stmt):
        # (Core rows, without the ORM's per-row work; no autoflush: callers count after their changes flushed.)
        in_province = guest_region_id is not None
        out.append((day, GuestUse(
            section_id=section_id, project_id=project_id, main_region_id=main_region_id,
            main_place=rules.place_label(main_name or ""), main_order=main_order or 0,
            guest_region_id=guest_region_id,
            guest_place=rules.place_label(guest_name) if in_province else province_name,
            place_order=(1000 + guest_order if in_province else province_order),   # provinces first
            budget=budget, winning=winning, experts=experts or 0)))
    return out


def counted(month: date, region_id: int | None = None):
    """(main side by region, secondary side by region) for the month."""
    return rules.tally([use for _, use in guest_uses(month, rules.month_end(month),
                                                     None if region_id is None else [region_id])])


# --- one region's row -------------------------------------------------------------------------------------------

@dataclass
class Row:
    """One region's row of the month as shown and exported."""

    region: Region
    report: MonthlyReport | None
    values: dict                                   # cell key -> final value (int, Decimal, text or None)
    computed: dict = field(default_factory=dict)   # counted cell key -> counted value
    reasons: dict = field(default_factory=dict)    # corrected cell key -> reason
    sources: dict = field(default_factory=dict)    # "main"/"sec" -> [section ids]
    winning_missing: dict = field(default_factory=dict)   # "main"/"sec" -> sections without a winning bid
    frozen: bool = False                           # figures of the submitted version, not live

    @property
    def status(self) -> Status | None:
        return self.report.status if self.report else None

    @property
    def submitted(self) -> bool:
        return self.status is not None and self.status.filed

    def corrected(self, key: str) -> bool:
        return key in self.reasons


def _sources(side) -> list[int]:
    return sorted(side.sections) if side else []


def live_row(region: Region, report: MonthlyReport | None, main, secondary) -> Row:
    """Entered figures from the draft, counted figures from the records, corrections on top."""
    main_side, sec_side = main.get(region.id), secondary.get(region.id)
    computed = rules.computed_values(main_side, sec_side)
    values = {c.key: None for c in ENTERED} | dict(computed)
    reasons = {}
    if report is not None:
        for key, column in MonthlyReport.ENTERED_COLUMNS.items():
            values[key] = getattr(report, column)
        for correction in report.corrections:
            cell = CELL.get(correction.cell)
            if cell is not None:
                values[cell.key] = rules.from_text(cell, correction.value)
                reasons[cell.key] = correction.reason
    return Row(region=region, report=report, values=values, computed=computed, reasons=reasons,
               sources={"main": _sources(main_side), "sec": _sources(sec_side)},
               winning_missing={"main": main_side.winning_missing if main_side else 0,
                                "sec": sec_side.winning_missing if sec_side else 0})


def frozen_row(region: Region, report: MonthlyReport, version: ReportVersion) -> Row:
    figures = version.figures
    return Row(region=region, report=report, frozen=True,
               values={c.key: rules.from_text(c, figures["values"].get(c.key)) for c in CELLS},
               computed={c.key: rules.from_text(c, figures["computed"].get(c.key)) for c in COMPUTED},
               reasons=dict(figures.get("reasons", {})), sources=figures.get("sources", {"main": [], "sec": []}),
               winning_missing=figures.get("winning_missing", {}))


def freeze(row: Row) -> dict:
    """A row as JSON for a version: every value as text (rules.to_text), so it reads back exactly."""
    return {"values": {c.key: rules.to_text(c, row.values.get(c.key)) for c in CELLS},
            "computed": {c.key: rules.to_text(c, row.computed.get(c.key)) for c in COMPUTED},
            "reasons": dict(row.reasons), "sources": row.sources, "winning_missing": row.winning_missing}


def latest_versions(report_ids) -> dict[int, ReportVersion]:
    """The newest version of each report (one query)."""
    ids = list(report_ids)
    if not ids:
        return {}
    newest = (select(ReportVersion.report_id, func.max(ReportVersion.number).label("number"))
              .where(ReportVersion.report_id.in_(ids)).group_by(ReportVersion.report_id).subquery())
    versions = db.session.scalars(select(ReportVersion).join(newest, and_(
        ReportVersion.report_id == newest.c.report_id, ReportVersion.number == newest.c.number)))
    return {v.report_id: v for v in versions}


def load_rows(months: list[date], regions: list[Region], *, live_only: bool = False) -> dict[date, list[Row]]:
    """Each region's row for each month: the submitted version when submitted, else live (the draft's
    entered values and corrections over the figures counted now). Four queries whatever the span:
    reports, their corrections, the latest versions, and the guest uses of the months counted live."""
    months = sorted(set(months))
    one = regions[0].id if len(regions) == 1 else None
    stmt = select(MonthlyReport).where(MonthlyReport.month.in_(months)).options(
        selectinload(MonthlyReport.corrections))
    if one is not None:
        stmt = stmt.where(MonthlyReport.region_id == one)
    reports = {(r.region_id, r.month): r for r in db.session.scalars(stmt)}
    versions = {} if live_only else latest_versions(
        r.id for r in reports.values() if r.status.filed)

    def frozen(region, month):
        report = reports.get((region.id, month))
        return report is not None and report.id in versions

    live_months = [m for m in months if not all(frozen(r, m) for r in regions)]
    # Counted only for the regions shown live (a submitted row shows its frozen figures).
    live_regions = {r.id for m in live_months for r in regions if not frozen(r, m)}
    uses_by_month = defaultdict(list)
    if live_months:
        for day, use in guest_uses(live_months[0], rules.month_end(live_months[-1]), sorted(live_regions)):
            uses_by_month[date(day.year, day.month, 1)].append(use)
    out = {}
    for month in months:
        main, secondary = rules.tally(uses_by_month.get(month, [])) if month in live_months else ({}, {})
        out[month] = [frozen_row(region, reports[(region.id, month)], versions[reports[(region.id, month)].id])
                      if frozen(region, month) else live_row(region, reports.get((region.id, month)), main, secondary)
                      for region in regions]
    return out


def region_row(region: Region, month: date, *, live: bool = False) -> Row:
    return load_rows([month], [region], live_only=live)[month][0]


# --- saving, submitting, returning -------------------------------------------------------------------------

def _find(region: Region, month: date) -> MonthlyReport | None:
    return db.session.scalars(select(MonthlyReport).where(
        MonthlyReport.region_id == region.id, MonthlyReport.month == month)
        .options(selectinload(MonthlyReport.corrections))).first()


def _take(region: Region, month: date, version: int | None, *, create: bool = True) -> MonthlyReport | None:
    """The report for this transaction, refusing a stale page: the version the page showed is compared and
    bumped in one UPDATE, so of two people saving at once exactly one goes through (on SQLite too, where
    SELECT ... FOR UPDATE does nothing). `version` None is for internal callers that read it just now."""
    report = _find(region, month)
    if report is None:
        if not create:
            return None
        if version not in (None, 0):
            raise ReportError("该报表已被他人删除或尚未创建，请刷新页面后重试。")
        report = MonthlyReport(region_id=region.id, month=month, status=Status.DRAFT, version=1, submissions=0,
                               corrections=[])
        db.session.add(report)
        flush_or_refuse("该报表刚刚被他人创建，请刷新页面后重新填写。", error_class=ReportError)
        return report
    expected = report.version if version is None else version
    stmt = (update(MonthlyReport).where(MonthlyReport.id == report.id, MonthlyReport.version == expected)
            .values(version=MonthlyReport.version + 1).execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount != 1:
        raise ReportError("该报表已被他人修改或处理（您看到的是旧内容），请刷新页面后再操作。")
    db.session.refresh(report)   # its columns and, loaded as before (selectin), its corrections
    return report


def save_draft(region: Region, month: date, entered: dict, corrections: dict, note: str | None,
               version: int | None, today: date | None = None, then_submit: bool = False) -> MonthlyReport:
    """Save the entered figures and corrections ({cell key: (value, reason)}; a blank value drops one),
    and submit them in the same transaction when asked."""
    today = today or china_today()
    if not rules.may_file(month, today):
        raise ReportError(f"{rules.month_label(month)}尚未结束，月报从次月 1 日起填报。")
    report = _take(region, month, version)
    if not report.status.editable:
        raise ReportError("本月报表已报送并锁定；如需修改，请联系省政数局退回。")
    live = region_row(region, month, live=True)
    before = _snapshot(report)
    for key, column in MonthlyReport.ENTERED_COLUMNS.items():
        setattr(report, column, entered.get(key))
    existing = {c.cell: c for c in report.corrections}
    for cell in COMPUTED:
        value, reason = corrections.get(cell.key, (None, ""))
        counted_value = live.computed.get(cell.key)
        unchanged = value is None or (cell.kind is rules.Kind.TEXT and value == "" and counted_value == "") \
            or rules.to_text(cell, value) == rules.to_text(cell, counted_value)
        if unchanged:
            if cell.key in existing:
                report.corrections.remove(existing[cell.key])
            continue
        if not (reason or "").strip():
            raise ReportError(f"更正“{rules.GROUP_LABELS[cell.group]}·{cell.label}”须说明原因。",
                              f"reason_{cell.key}")
        correction = existing.get(cell.key)
        if correction is None:
            correction = ReportCorrection(cell=cell.key)
            report.corrections.append(correction)
        correction.value = rules.to_text(cell, value)
        correction.computed = rules.to_text(cell, counted_value)
        correction.reason = reason.strip()[:300]
        correction.corrected_by_id = current_actor_id()
        correction.corrected_at = utcnow()
    report.note = (note or "").strip()[:500] or None
    db.session.flush()
    record("update", "monthly_report", report, label=str_of(region, month), region_id=region.id,
           before=before, after=_snapshot(report))
    if then_submit:
        _submit(report, region, month, today)
    return report


def submit(region: Region, month: date, version: int | None, today: date | None = None) -> MonthlyReport:
    """Freeze the current figures as a new version and lock the report."""
    today = today or china_today()
    if not rules.may_file(month, today):
        raise ReportError(f"{rules.month_label(month)}尚未结束，月报从次月 1 日起填报。")
    return _submit(_take(region, month, version), region, month, today)


def _submit(report: MonthlyReport, region: Region, month: date, today: date) -> MonthlyReport:
    row = live_row(region, report, *counted(month, region.id))   # what the region sees now, frozen
    problem = rules.move_problem(report.status, Move.SUBMIT, missing=rules.entered_missing(row.values))
    if problem is None:
        problems = rules.consistency_problems(row.values)
        problem = problems[0] if problems else None
    if problem:
        raise ReportError(problem)
    now = utcnow()
    late = rules.is_late(today, month, today, due_day())     # this submission
    report.submissions += 1
    report.status = Status.SUBMITTED
    report.submitted_at, report.submitted_by_id = now, current_actor_id()
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.late = late        # the report is late by its first submission, not by a resubmission
    report.returned_at = None
    db.session.add(ReportVersion(report_id=report.id, number=report.submissions, figures=freeze(row),
                                 submitted_at=now, submitted_by_id=current_actor_id(), late=late))
    db.session.flush()
    record("submit", "monthly_report", report, label=str_of(region, month), region_id=region.id,
           summary=f"第 {report.submissions} 次报送" + ("（逾期）" if report.late else ""))
    notify(recipients.province_admin_ids(), f"{region.name}已报送{rules.month_label(month)}远程异地评标月调度情况表",
           report_link(month), skip=current_actor_id())
    return report


def _last_version(report: MonthlyReport) -> ReportVersion | None:
    return db.session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                              .order_by(ReportVersion.number.desc())).first()


def approve_report(region: Region, month: date, version: int | None) -> MonthlyReport:
    """The province approves a submitted report (审核通过): the month's final figures, locked for the region."""
    report = _take(region, month, version, create=False)
    if report is None:
        raise ReportError("该地区本月尚未填报。")
    problem = rules.move_problem(report.status, Move.APPROVE)
    if problem:
        raise ReportError(problem)
    now = utcnow()
    report.status = Status.APPROVED
    report.approved_at, report.approved_by_id = now, current_actor_id()
    last = _last_version(report)
    if last is not None:
        last.approved_at, last.approved_by_id = now, current_actor_id()
    db.session.flush()
    record("approve", "monthly_report", report, label=str_of(region, month), region_id=region.id,
           summary=f"审核通过第 {report.submissions} 次报送的数据")
    notify(_filer_ids(region) + ([report.submitted_by_id] if report.submitted_by_id else []),
           f"{rules.month_label(month)}月调度情况表已审核通过。", report_link(month, region), skip=current_actor_id())
    return report


def return_report(region: Region, month: date, comment: str, version: int | None,
                  move: Move = Move.RETURN) -> MonthlyReport:
    """The province sends a submitted report back with a comment (or reopens an approved one with the
    reason, Move.REOPEN); the region corrects and resubmits."""
    report = _take(region, month, version, create=False)
    if report is None:
        raise ReportError("该地区本月尚未填报。")
    problem = rules.move_problem(report.status, move, comment=comment)
    if problem:
        raise ReportError(problem, "comment")
    reopened = move is Move.REOPEN
    now = utcnow()
    report.status = Status.RETURNED
    report.returned_at, report.returned_by_id = now, current_actor_id()
    report.return_comment = comment.strip()[:500]
    report.approved_at = report.approved_by_id = None
    last = _last_version(report)
    if last is not None:
        last.returned_at, last.returned_by_id, last.return_comment = now, current_actor_id(), report.return_comment
    db.session.flush()
    what = "重新打开" if reopened else "退回"
    record("reopen" if reopened else "return", "monthly_report", report, label=str_of(region, month),
           region_id=region.id, summary=f"{what}：{report.return_comment}")
    notify(_filer_ids(region) + ([report.submitted_by_id] if report.submitted_by_id else []),
           f"{rules.month_label(month)}月调度情况表被{what}：{report.return_comment}",
           report_link(month, region), skip=current_actor_id())
    return report


def _snapshot(report: MonthlyReport) -> dict:
    out = {key: rules.to_text(CELL[key], getattr(report, column))
           for key, column in MonthlyReport.ENTERED_COLUMNS.items()}
    out["corrections"] = {c.cell: f"{c.value}（原因：{c.reason}）" for c in report.corrections}
    out["note"] = report.note
    return out


def str_of(region: Region, month: date) -> str:
    return f"{region.name} {rules.month_label(month)}月调度情况表"


def report_link(month: date, region: Region | None = None) -> str:
    base = f"/reports/monthly/{rules.month_key(month)}"
    return f"{base}/{region.code}" if region is not None else base


def _filer_ids(region: Region) -> list[int]:
    """Who files a region's report: its prefecture admins; the provincial center's row, the province."""
    return recipients.prefecture_admin_ids(region.id) or recipients.province_admin_ids()


# --- the province's table ---------------------------------------------------------------------------------

@dataclass
class Table:
    month: date
    rows: list[Row]
    total: dict
    previous: dict                 # region id -> previous month's row values
    year: dict                     # region id -> year-to-date values
    year_total: dict
    previous_total: dict
    today: date
    due: date
    year_shares: dict = field(default_factory=dict)   # region id -> remote share January..month
    year_share_total: Decimal | None = None

    @property
    def submitted(self) -> list[Row]:
        return [r for r in self.rows if r.submitted]

    @property
    def missing(self) -> list[Row]:
        return [r for r in self.rows if not r.submitted]

    def is_late(self, row: Row) -> bool:
        """Late: first submitted after the due date, or not submitted (never, or returned and not yet
        resubmitted) when the due date has passed (the due date itself is on time)."""
        if row.report is not None and row.report.late:
            return True
        return not row.submitted and self.today > self.due

    def month_share(self, row: Row) -> Decimal | None:
        return rules.share_over([row.values])

    @property
    def month_share_total(self) -> Decimal | None:
        return rules.share_over([row.values for row in self.rows])

    @property
    def late(self) -> list[Row]:
        return [r for r in self.rows if self.is_late(r)]


def province_table(month: date, today: date | None = None, regions: list[Region] | None = None) -> Table:
    """The month's table with the previous month and January..month, loaded together."""
    today = today or china_today()
    regions = regions or home_regions()
    previous = rules.previous_month(month)
    year_months = [date(month.year, m, 1) for m in range(1, month.month + 1)]
    loaded = load_rows(year_months + [previous], regions)
    rows = loaded[month]
    previous_values = {row.region.id: row.values for row in loaded[previous]}
    year, year_shares, every_month = {}, {}, []
    for region_index, region in enumerate(regions):
        months_of_region = [loaded[m][region_index].values for m in year_months]
        year[region.id] = rules.totals(months_of_region)
        year_shares[region.id] = rules.share_over(months_of_region)
        every_month += months_of_region
    return Table(month=month, rows=rows, total=rules.totals([r.values for r in rows]),
                 previous=previous_values, previous_total=rules.totals(list(previous_values.values())),
                 year=year, year_total=rules.totals(list(year.values())), today=today,
                 due=rules.due_date(month, due_day()), year_shares=year_shares,
                 year_share_total=rules.share_over(every_month))


# --- reminders --------------------------------------------------------------------------------------------

def pending_for(user, today: date | None = None) -> dict | None:
    """The report a filer still owes (for the banner): last month's, from the 1st on, until submitted."""
    today = today or china_today()
    region_ids = access.filed_region_ids(user)
    if region_ids is False:
        return None
    month = rules.reporting_month(today)
    submitted = set(db.session.scalars(select(MonthlyReport.region_id).where(
        MonthlyReport.month == month, MonthlyReport.status.in_(FILED))))
    if region_ids is None:
        missing = db.session.scalar(select(func.count(Region.id)).where(Region.id.not_in(submitted))) \
            if submitted else db.session.scalar(select(func.count(Region.id)))
        return {"month": month, "missing": missing, "days_left": rules.days_left(month, today, due_day()),
                "province": True} if missing else None
    if region_ids[0] in submitted:
        return None
    return {"month": month, "missing": 1, "days_left": rules.days_left(month, today, due_day()), "province": False}


REMINDER_MARK = "尚未报送"


def remind(month: date, today: date | None = None, only_region_ids=None) -> int:
    """Notify the filers of every region that has not submitted `month` (once per person and day)."""
    today = today or china_today()
    link_base = f"/reports/monthly/{rules.month_key(month)}"
    submitted = set(db.session.scalars(select(MonthlyReport.region_id).where(
        MonthlyReport.month == month, MonthlyReport.status.in_(FILED))))
    regions = [r for r in home_regions() if r.id not in submitted
               and (only_region_ids is None or r.id in only_region_ids)]
    already = set(db.session.scalars(select(Notification.user_id).where(
        Notification.link.like(link_base + "%"), Notification.text.contains(REMINDER_MARK),
        Notification.created_at >= local_midnight_utc(today))))
    left = rules.days_left(month, today, due_day())
    when = (f"请于 {rules.due_text(month, due_day())}报送" if left >= 0
            else f"已逾期 {-left} 天，请尽快报送")
    sent = 0
    for region in regions:
        ids = [uid for uid in _filer_ids(region) if uid not in already]
        sent += notify(ids, f"{region.name}{REMINDER_MARK}{rules.month_label(month)}远程异地评标月调度情况表，{when}。",
                       report_link(month, region))
        already.update(ids)
    if sent:
        record("remind", "monthly_report", None, label=f"{rules.month_label(month)}月调度情况表",
               summary=f"催报 {len(regions)} 个地区，通知 {sent} 人")
    return sent


def versions_of(report: MonthlyReport) -> list[ReportVersion]:
    return list(db.session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                                   .options(joinedload(ReportVersion.submitted_by),
                                            joinedload(ReportVersion.returned_by),
                                            joinedload(ReportVersion.approved_by))
                                   .order_by(ReportVersion.number.desc())))


def used_requests(section_ids: list[int], month: date):
    """The guest-seat requests of these sections that the month's figures counted."""
    return (select(SeatRequest).where(SeatRequest.section_id.in_(section_ids),
                                      _counted(month, rules.month_end(month)))
            .order_by(SeatRequest.section_id, SeatRequest.id))


# --- importing the region's own sheet ---------------------------------------------------------------------

def _figure_text(raw) -> str:
    """A cell as text; a float that Excel computed (0.30000000000000004) is taken at 4 decimals."""
    if isinstance(raw, float) and not raw.is_integer() and abs(raw - round(raw, 4)) < 1e-9:
        return f"{round(raw, 4):.4f}".rstrip("0").rstrip(".")
    return spreadsheets.cell_text(raw)


def read_entered(filename: str, data: bytes, region: Region) -> dict:
    """The four entered figures from the region's own sheet laid out like the attachment: the row whose
    first cell is the region's name (or short name), its next four cells. Refused with a Chinese message."""
    names = {region.name, rules.place_label(region.name)}
    try:
        rows = list(spreadsheets.read_rows(filename, data, max_rows=200))
    except spreadsheets.SpreadsheetError as error:
        raise ReportError(str(error), "file") from None
    for cells in rows:
        texts = [_figure_text(c) for c in cells]
        if texts and texts[0].replace(" ", "") in names:
            figures = (texts[1:5] + ["", "", "", ""])[:4]
            out = {}
            for cell, text in zip(rules.ENTERED, figures):
                try:
                    out[cell.key] = rules.parse_value(cell, text)
                except rules.FigureError as error:
                    raise ReportError(f"文件中“{region.name}”一行：{error}", "file") from None
            return out
    raise ReportError(f"文件中没有找到“{region.name}”所在的行：请使用附件的格式，第一列为地区名称。", "file")
