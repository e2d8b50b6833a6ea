"""The working-day calendar: month view, calculator, overrides and the deadline setting."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import extract, select

from ..auth.permissions import can, permission_required
from ..clock import china_today
from ..errors import show_on_form
from ..extensions import db
from ..htmx import render
from ..listing import int_arg
from . import bp, services
from .forms import AnnounceYearForm, DeadlineSettingForm, NoticeForm, OverrideForm
from .models import AnnouncedYear, CalendarOverride
from .notice import compare, parse_notice
from .rules import chinese_date, month_weeks, parse_iso_date, statutory_holidays


def _month_arg() -> tuple[int, int]:
    text = request.args.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        if 2000 <= year <= 2099 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    today = china_today()
    return today.year, today.month


def _calculator(calendar):
    """The optional calculator answer: N working days from a date, or working days between two dates."""
    start = parse_iso_date(request.args.get("from"))
    if start is None:
        return None
    result = {"start": start, "error": None}
    end = parse_iso_date(request.args.get("to"))
    days_text = request.args.get("n", "").strip()
    if end is not None:
        result["between"] = calendar.working_days_between(start, end)
        result["end"] = end
        result["notes"] = calendar.notes(start, end)
    elif days_text:
        try:
            n = int(days_text)
            if abs(n) > 1000:
                raise ValueError
        except ValueError:
            result["error"] = "工作日数应为 -1000 到 1000 之间的整数。"
            return result
        result["n"] = n
        result["target"] = calendar.add_working_days(start, n)
        result["notes"] = calendar.notes(start, result["target"])
    else:
        result["error"] = "请填写工作日数或结束日期。"
    return result


def _page_context(year: int, month: int, with_forms: bool) -> dict:
    calendar = services.load_calendar()
    setting = services.deadline_setting()
    context = dict(
        year=year, month=month, source=calendar.source(year),
        weeks=[[calendar.describe(day) if day else None for day in week] for week in month_weeks(year, month)],
        prev_month=f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}",
        next_month=f"{year + (month == 12)}-{month % 12 + 1:02d}",
        overrides=db.session.scalars(select(CalendarOverride).where(extract("year", CalendarOverride.day) == year)
                                     .order_by(CalendarOverride.day)).all(),
        announced=db.session.get(AnnouncedYear, year), setting=setting, calculator=_calculator(calendar),
        chinese_date=chinese_date, today=china_today(), library_years=services.LIBRARY_YEARS)
    if "date" in request.args:  # the deadline query without JavaScript
        evaluation_date = parse_iso_date(request.args["date"].strip())
        if evaluation_date is None:
            context["deadline_message"] = "请按 YYYY-MM-DD 填写 2000—2099 年间的评标日期。"
        else:
            context["deadline"] = services.deadline_for(evaluation_date, setting)
    if with_forms and can("calendar.manage"):
        context.update(override_form=OverrideForm(formdata=None),
                       year_form=AnnounceYearForm(formdata=None, year=year),
                       setting_form=DeadlineSettingForm(formdata=None, obj=setting))
    return context


@bp.route("/")
@permission_required("calendar.view")
def index():
    return render("calendar/index.html", "calendar/_month.html", **_page_context(*_month_arg(), with_forms=True))


def _back_to(day_or_year):
    month = day_or_year if isinstance(day_or_year, str) else f"{day_or_year:%Y-%m}"
    return redirect(url_for("calendar.index", month=month) + "#overrides", 303)


@bp.route("/overrides", methods=["POST"])
@permission_required("calendar.manage")
def override_add():
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            services.add_override(form.day.data, form.working.data == "work", form.notice.data, form.note.data)
        except services.CalendarError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(f"已将 {form.day.data:%Y-%m-%d} 调整为{'上班' if form.working.data == 'work' else '放假'}。",
                  "success")
            return _back_to(form.day.data)
    return _refused_page(override_form=form)


@bp.route("/overrides/<int:override_id>/delete", methods=["POST"])
@permission_required("calendar.manage")
def override_delete(override_id):
    override = db.get_or_404(CalendarOverride, override_id)
    day = override.day
    services.remove_override(override)
    db.session.commit()
    flash(f"已删除 {day:%Y-%m-%d} 的调整，该日恢复按内置日历或周末计算。", "success")
    return _back_to(day)


@bp.route("/years", methods=["POST"])
@permission_required("calendar.manage")
def year_announce():
    form = AnnounceYearForm()
    if form.validate_on_submit():
        try:
            services.announce_year(form.year.data, form.notice.data)
        except services.CalendarError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(f"{form.year.data} 年已标记为按通知录入完毕，不再提示“调休安排尚未公布”。", "success")
            return _back_to(f"{form.year.data}-01")
    return _refused_page(year_form=form)


@bp.route("/years/<int:year>/delete", methods=["POST"])
@permission_required("calendar.manage")
def year_withdraw(year):
    announced = db.get_or_404(AnnouncedYear, year)
    services.withdraw_announcement(announced)
    db.session.commit()
    flash(f"已撤销 {year} 年的录入完毕标记。", "success")
    return _back_to(f"{year}-01")


@bp.route("/settings", methods=["POST"])
@permission_required("calendar.manage")
def settings():
    form = DeadlineSettingForm()
    if form.validate_on_submit():
        try:
            services.save_setting(form.lead_working_days.data, form.count_evaluation_day.data)
        except services.CalendarError as error:
            show_on_form(form, error)
        else:
            db.session.commit()
            flash("申请期限设置已保存。", "success")
            return redirect(url_for("calendar.index") + "#settings", 303)
    return _refused_page(setting_form=form)


def _refused_page(**forms):
    """The calendar page again, with the refused form keeping what was typed."""
    context = _page_context(*_month_arg(), with_forms=True)
    context.update(forms)
    return render_template("calendar/index.html", **context), 422


# --- entering a year by pasting its notice ---------------------------------------------------------------------

def _notice_page(form: NoticeForm, status: int = 200, parsed=None, problems=(), confirmable=False):
    year = form.year.data if isinstance(form.year.data, int) and 2000 <= form.year.data <= 2099 else china_today().year
    calendar = services.load_calendar()
    return render_template(
        "calendar/notice.html", form=form, year=year, parsed=parsed, problems=list(problems),
        rows=compare(parsed, calendar) if parsed is not None and confirmable else [],
        statutory=statutory_holidays(year), source=calendar.source(year), confirmable=confirmable,
        chinese_date=chinese_date), status


@bp.route("/notice", methods=["GET", "POST"])
@permission_required("calendar.manage")
def notice():
    """Paste the year's notice: a POST shows what was read beside the computed year; a confirming POST saves it."""
    if request.method == "GET":
        form = NoticeForm(formdata=None, year=int_arg("year", low=2000, high=2099) or china_today().year)
        return _notice_page(form)
    form = NoticeForm()
    if not form.validate_on_submit():
        return _notice_page(form, 422)
    parsed = parse_notice(form.text.data)
    problems = [str(p) for p in parsed.problems]
    refusal = services.notice_refusal(parsed, form.year.data)
    if refusal:
        problems.append(refusal)
    if problems:
        return _notice_page(form, 422, parsed, problems)
    if request.form.get("action") != "confirm":
        return _notice_page(form, 200, parsed, confirmable=True)
    try:
        services.save_notice(parsed, form.year.data)
    except services.CalendarError as error:
        db.session.rollback()
        return _notice_page(form, 422, parsed, [str(error)])
    db.session.commit()
    flash(f"已依据通知录入 {parsed.year} 年的节假日安排：放假 {len(parsed.days_off)} 天，调休上班 "
          f"{len(parsed.working_days)} 天，该年已标记为按通知录入完毕。", "success")
    return _back_to(f"{parsed.year}-01")
