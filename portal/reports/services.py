"""The monthly dispatch report: counting the remote columns from the month's guest seats, drafts,
corrections, submission and return, the province's table, year to date, reminders.

Services flush and write the audit entry; the view commits once.
"""
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from .. import spreadsheets
from ..audit.services import current_actor_id, record
from ..auth import recipients
from ..clock import china_today
from ..errors import ChangeRefused, flush_or_refuse
from ..extensions import db
from ..models_base import utcnow
from ..notifications.services import notify
from ..orgs.models import Region
from . import rules
from .counting import counted, due_day, filer_ids, freeze, live_row, region_row, report_link, str_of
from .models import MonthlyReport, ReportCorrection, ReportVersion
from .rules import CELL, COMPUTED, Move, Status


class ReportError(ChangeRefused):
    pass


# --- counting ------------------------------------------------------------------------------------------------


# --- one region's row -------------------------------------------------------------------------------------------


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
    notify(filer_ids(region) + ([report.submitted_by_id] if report.submitted_by_id else []),
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
    notify(filer_ids(region) + ([report.submitted_by_id] if report.submitted_by_id else []),
           f"{rules.month_label(month)}月调度情况表被{what}：{report.return_comment}",
           report_link(month, region), skip=current_actor_id())
    return report


def _snapshot(report: MonthlyReport) -> dict:
    out = {key: rules.to_text(CELL[key], getattr(report, column))
           for key, column in MonthlyReport.ENTERED_COLUMNS.items()}
    out["corrections"] = {c.cell: f"{c.value}（原因：{c.reason}）" for c in report.corrections}
    out["note"] = report.note
    return out


# --- the province's table ---------------------------------------------------------------------------------


# --- reminders --------------------------------------------------------------------------------------------


def versions_of(report: MonthlyReport) -> list[ReportVersion]:
    return list(db.session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                                   .options(joinedload(ReportVersion.submitted_by),
                                            joinedload(ReportVersion.returned_by),
                                            joinedload(ReportVersion.approved_by))
                                   .order_by(ReportVersion.number.desc())))


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
