"""The monthly dispatch report (远程异地评标月调度情况表): the region's form, the province's table, the records a
figure was counted from, submission and return, reminders, and the .xlsx/.csv exports.

`/reports/monthly/YYYY-MM` is the province's table for the province and the region's own form for a region's
admin or supervisor; `/reports/monthly/YYYY-MM/<region code>` is one region's form.
"""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload
from werkzeug.routing import BaseConverter, ValidationError

from .. import workbooks
from ..auth.permissions import Scope, can, permission_required, scope_clause, scope_for, scoped_select
from ..bookings.models import SeatRequest
from ..clock import china_today
from ..errors import show_on_form
from ..extensions import db
from ..confirming import ask, confirmed
from ..forms_base import ActionForm, VersionForm
from ..htmx import render
from ..listing import paginate_rows
from ..models_base import utcnow
from ..orgs.models import Region
from ..projects.models import Section
from ..training import services as training_services
from . import bp, counting, exports, rules, services
from . import table as tables
from .forms import ImportForm, ReopenForm, ReportForm, ReturnForm

IMPORT_MAX_BYTES = 2 * 1024 * 1024


class MonthConverter(BaseConverter):
    """YYYY-MM in a URL, as a date (the first of the month); anything else is no route (404)."""
    regex = r"\d{4}-\d{2}"

    def to_python(self, value):
        month = rules.parse_month(value)
        if month is None:

            raise ValidationError()
        return month

    def to_url(self, value):
        return rules.month_key(value) if isinstance(value, date) else str(value)


@bp.record_once
def _setup(state):
    state.app.url_map.converters["month"] = MonthConverter


def _region_or_404(code: str):
    """A region the user reaches for reports.view (another region's is 404), through the permission table."""
    region = db.session.scalars(scoped_select("reports.view", Region).where(Region.code == code[:20])).first()
    if region is None:
        abort(404)
    return region


def _may_file(region) -> bool:
    scope = scope_for("reports.file")
    return scope is Scope.ALL or (scope is Scope.REGION and region.id == current_user.region_id)


# --- entry ------------------------------------------------------------------------------------------------

@bp.route("/monthly/")
@permission_required("reports.view")
def index():
    picked = rules.parse_month(request.args.get("month"))
    if picked is not None:
        return redirect(url_for("reports.month", month=picked))
    return redirect(url_for("reports.month", month=rules.reporting_month(china_today())))


@bp.route("/monthly/<month:month>")
@permission_required("reports.view")
def month(month):
    if scope_for("reports.view") is Scope.ALL:
        return _province_page(month)
    if not current_user.region_id:
        abort(404)
    return _region_page(db.session.get(Region, current_user.region_id), month)


def _province_page(month, remind_form=None):
    table = tables.province_table(month)
    chart = _chart(table)
    chart_total = {"month": table.month_share_total, "year": table.year_share_total}
    return render_template("reports/month.html", table=table, month=month, chart=chart, rules=rules,
                           chart_total=chart_total,
                           remind_form=remind_form or ActionForm(), today=table.today,
                           may_review=can("reports.review"),
                           previous_month=rules.previous_month(month), next_month=rules.next_month(month))


def _chart(table) -> list[dict]:
    """Remote share by region: main-side sections over all sections, this month and the year so far."""
    return [{"name": row.region.name, "month": table.month_share(row), "year": table.year_shares[row.region.id]}
            for row in table.rows]


# --- one region -----------------------------------------------------------------------------------------------

@bp.route("/monthly/<month:month>/<code>", methods=["GET", "POST"])
@permission_required("reports.view")
def region(month, code):
    region = _region_or_404(code)
    if request.method == "GET":
        return _region_page(region, month)
    if not _may_file(region):
        abort(403)
    form = ReportForm()
    submit = request.form.get("action") == "submit"
    valid = form.validate_on_submit()
    if valid and submit and not confirmed():
        return _region_page(region, month, form=form, confirmation=ask(
            f"确认报送{region.name}{rules.month_label(month)}月调度情况表",
            "将保存上表并报送省政数局。报送后本地区不能再修改，除非省政数局退回；只保存不报送请返回后点“保存草稿”。",
            "确认报送", url_for("reports.region", month=month, code=region.code)))
    if valid:
        try:
            report = services.save_draft(region, month, form.entered(), form.corrections(), form.note.data,
                                         _version(form.version.data), then_submit=submit)
        except services.ReportError as error:
            show_on_form(form, error)
        else:
            late = submit and report.late
            db.session.commit()
            if submit:
                flash(f"已报送{rules.month_label(month)}月调度情况表" + ("（已逾期）。" if late else "。"),
                      "warning" if late else "success")
            else:
                flash("草稿已保存，尚未报送。", "success")
            return redirect(url_for("reports.region", month=month, code=region.code), 303)
    return _region_page(region, month, form=form, status=422)


def _version(text) -> int:
    """The version a form showed; a form without one is treated as stale (-1 matches no report)."""
    try:
        return int(text) if text not in (None, "") and len(text) < 10 else -1
    except ValueError:
        return -1


def _filled_form(row) -> ReportForm:
    """The form showing a row as it stands: entered figures, corrections, remarks and the version."""
    form = ReportForm(formdata=None)
    form.fill(row)
    form.note.data = row.report.note if row.report else ""
    form.version.data = row.report.version if row.report else 0
    return form


def _region_page(region, month, form=None, return_form=None, import_form=None, status=200, reopen_form=None,
                 confirmation=None):
    today = china_today()
    row = counting.region_row(region, month)
    report = row.report
    may_file = _may_file(region) and rules.may_file(month, today) and (report is None or report.status.editable)
    training = training_services.month_remark(region.id, month) if may_file else ""
    if form is None and may_file:
        form = _filled_form(row)   # a report that may be filed is not submitted: its row is live
        if not form.note.data and training:
            form.note.data = training   # the training record (培训台账) feeds the optional remarks
    live = row if not row.frozen else None
    versions = services.versions_of(report) if report is not None else []
    return render_template(
        "reports/region.html", region=region, month=month, row=row, report=report, form=form, live=live,
        confirmation=confirmation,
        versions=versions, rules=rules, today=today, may_file=may_file, training=training,
        may_review=can("reports.review") and report is not None and report.status is rules.Status.SUBMITTED,
        may_reopen=can("reports.review") and report is not None and report.status is rules.Status.APPROVED,
        return_form=return_form or ReturnForm(formdata=None, version=report.version if report else None),
        approve_form=VersionForm(formdata=None, version=report.version if report else None),
        reopen_form=reopen_form or ReopenForm(formdata=None, version=report.version if report else None),
        import_form=import_form or ImportForm(formdata=None),
        due=rules.due_date(month, counting.due_day()), days_left=rules.days_left(month, today, counting.due_day()),
        due_text=rules.due_text(month, counting.due_day()),
        previous_month=rules.previous_month(month), next_month=rules.next_month(month)), status


@bp.route("/monthly/<month:month>/<code>/import", methods=["POST"])
@permission_required("reports.file")
def import_(month, code):
    """Read the four entered figures from the region's own sheet into the form (not saved yet)."""
    region = _region_or_404(code)
    if not _may_file(region):
        abort(403)
    import_form = ImportForm()
    form = None
    row = counting.region_row(region, month)
    report = row.report
    if not rules.may_file(month, china_today()):
        flash(f"{rules.month_label(month)}尚未结束，月报从次月 1 日起填报。", "error")
    elif report is not None and not report.status.editable:
        flash("本月报表已报送并锁定；如需修改，请联系省政数局退回。", "error")
    elif import_form.validate_on_submit():
        upload = import_form.file.data
        if not getattr(upload, "filename", ""):
            import_form.file.errors.append("请选择要读取的文件。")
        else:
            data = upload.read(IMPORT_MAX_BYTES + 1)
            if len(data) > IMPORT_MAX_BYTES:
                import_form.file.errors.append("文件超过 2 MB，不像是月调度情况表。")
            else:
                try:
                    figures = services.read_entered(upload.filename, data, region)
                except services.ReportError as error:
                    show_on_form(import_form, error)
                else:
                    form = _filled_form(row)
                    for cell in rules.ENTERED:
                        getattr(form, cell.key).data = rules.to_text(cell, figures[cell.key])
                    flash("已从文件读取工程建设项目评标情况四项数据，请核对后保存或报送（尚未保存）。", "info")
                    return _region_page(region, month, form=form)
    return _region_page(region, month, import_form=import_form, status=422)


def _send_back(month, code, move):
    """Return a submitted report, or reopen an approved one: with a comment, the filers told."""
    region = _region_or_404(code)
    form = ReopenForm() if move is rules.Move.REOPEN else ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_report(region, month, form.comment.data, _version(form.version.data), move)
        except services.ReportError as error:
            show_on_form(form, error, "comment")
        else:
            db.session.commit()
            what = "重新打开" if move is rules.Move.REOPEN else "退回"
            flash(f"已{what}{region.name}的月调度情况表，并通知其填报人。", "success")
            return redirect(url_for("reports.month", month=month), 303)
    if move is rules.Move.REOPEN:
        return _region_page(region, month, reopen_form=form, status=422)
    return _region_page(region, month, return_form=form, status=422)


@bp.route("/monthly/<month:month>/<code>/return", methods=["POST"])
@permission_required("reports.review")
def return_(month, code):
    return _send_back(month, code, rules.Move.RETURN)


@bp.route("/monthly/<month:month>/<code>/reopen", methods=["POST"])
@permission_required("reports.review")
def reopen(month, code):
    """An approved report is final; the province reopens it (with the reason) when it must change."""
    return _send_back(month, code, rules.Move.REOPEN)


@bp.route("/monthly/<month:month>/<code>/approve", methods=["POST"])
@permission_required("reports.review")
def approve(month, code):
    region = _region_or_404(code)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.approve_report(region, month, _version(form.version.data))
    except services.ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("reports.region", month=month, code=region.code) + "#review", 303)
    db.session.commit()
    flash(f"已审核通过{region.name}的月调度情况表，并通知其填报人。", "success")
    return redirect(url_for("reports.month", month=month), 303)


@bp.route("/monthly/<month:month>/<code>/sources")
@permission_required("reports.view")
def sources(month, code):
    """The sections a counted figure was counted from (the submitted version's list once submitted)."""
    region = _region_or_404(code)
    side = request.args.get("side", "main")
    if side not in ("main", "sec"):
        side = "main"
    row = counting.region_row(region, month)
    ids = list(row.sources.get(side, []))
    # Each section with whether the viewer may open it (the permission table; others are listed unlinked).
    openable = case((scope_clause("projects.view", Section), True), else_=False).label("openable")
    page = paginate_rows(select(Section, openable).where(Section.id.in_(ids or [0])).options(
        joinedload(Section.project), joinedload(Section.main_center)).order_by(Section.evaluation_date, Section.id))
    guests = {}
    if page.items:
        for req in db.session.scalars(
                counting.used_requests([s.id for s, _ in page.items], month)
                .where(scope_clause("bookings.view", SeatRequest))      # not other regions' guest seats
                .options(joinedload(SeatRequest.guest_center))):
            guests.setdefault(req.section_id, []).append(req)
    return render("reports/sources.html", "reports/_sources.html", region=region, month=month, side=side, page=page,
                  guests=guests, row=row, rules=rules)


# --- the province: reminders and exports -----------------------------------------------------------------------

@bp.route("/monthly/<month:month>/remind", methods=["POST"])
@permission_required("reports.review")
def remind(month):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if not rules.may_file(month, china_today()):
        flash(f"{rules.month_label(month)}尚未结束，不能催报。", "error")
        return redirect(url_for("reports.month", month=month), 303)
    sent = tables.remind(month)
    db.session.commit()
    flash(f"已向未报送地区的填报人发出催报通知 {sent} 条。" if sent else "今天已经催报过，或没有未报送的地区。", "success")
    return redirect(url_for("reports.month", month=month) + "#missing", 303)


def _export_table(month):
    if scope_for("reports.view") is Scope.ALL:
        return tables.province_table(month)
    if not current_user.region_id:
        abort(404)
    return tables.province_table(month, regions=[db.session.get(Region, current_user.region_id)])


@bp.route("/monthly/<month:month>.xlsx")
@permission_required("reports.view")
def export_xlsx(month):
    table = _export_table(month)
    data = exports.workbook(table, utcnow())
    return workbooks.bytes_response(data, workbooks.XLSX_MIME,
                                       f"远程异地评标月调度情况表-{rules.month_key(month)}.xlsx")


@bp.route("/monthly/<month:month>.csv")
@permission_required("reports.view")
def export_csv(month):
    table = _export_table(month)
    return workbooks.csv_response(exports.header_cells(), exports.csv_rows(table),
                                     f"远程异地评标月调度情况表-{rules.month_key(month)}.csv")
