"""Training sessions (培训): the public calendar and pages, enrolment, the organiser's list, the record."""
import calendar
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import publishing, uploads
from ..auth.permissions import can, get_scoped_or_404, permission_required, region_reach, scope_clause, scoped_select
from ..clock import china_today, local_midnight_utc, to_china
from ..errors import show_on_form
from ..extensions import db
from ..forms_base import ActionForm, china_to_utc
from ..htmx import render
from ..listing import int_arg, paginate
from ..models_base import as_utc, utcnow, valid_id
from ..orgs.models import Region
from ..workbooks import csv_response, workbook_with_table, xlsx_response
from . import access, bp, rules, services
from .forms import CancelForm, EnrolForm, PersonForm, SessionForm
from .models import Enrolment, TrainingSession
from .rules import EnrolmentStatus, Status

MATERIAL_MAX_BYTES = 50 * uploads.MB
WHEN = {"upcoming": "即将举办", "past": "已举办"}


def _regions():
    return db.session.scalars(select(Region).order_by(Region.sort_order)).all()


def _month_arg() -> date:
    raw = request.args.get("month", "")
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1) if 2000 <= year <= 2099 else china_today().replace(day=1)
    except ValueError:
        return china_today().replace(day=1)


def _calendar(month: date, sessions) -> list[list[tuple[date, list]]]:
    """Weeks (Monday first) of `month`, each day with the sessions starting on it."""
    by_day: dict[date, list] = {}
    for session in sessions:
        by_day.setdefault(to_china(session.starts_at).date(), []).append(session)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    return [[(day, by_day.get(day, [])) for day in week] for week in weeks]


@bp.route("/")
def index():
    """The public calendar of sessions and the list of upcoming (or past) ones, filtered by audience/region."""
    now = utcnow()
    month = _month_arg()
    audience = request.args.get("audience", "")
    audience = audience if audience in rules.AUDIENCES else ""
    region = valid_id(request.args.get("region"))
    when = request.args.get("when", "upcoming")
    when = when if when in WHEN else "upcoming"

    def narrowed(stmt):
        stmt = stmt.where(TrainingSession.public_clause())
        if audience:
            from .models import TrainingAudience

            stmt = stmt.where(TrainingSession.id.in_(select(TrainingAudience.session_id)
                                                     .where(TrainingAudience.audience == audience)))
        if region:
            stmt = stmt.where(TrainingSession.region_id == region)
        return stmt

    stmt = narrowed(select(TrainingSession)).options(selectinload(TrainingSession.region),
                                                     selectinload(TrainingSession.audiences))
    if when == "upcoming":
        stmt = stmt.where(TrainingSession.ends_at > now).order_by(TrainingSession.starts_at, TrainingSession.id)
    else:
        stmt = stmt.where(TrainingSession.ends_at <= now).order_by(TrainingSession.starts_at.desc(),
                                                                   TrainingSession.id.desc())
    page = paginate(stmt, per_page=20)
    next_month = (month + timedelta(days=32)).replace(day=1)
    in_month = db.session.scalars(narrowed(select(TrainingSession)).where(
        TrainingSession.starts_at >= local_midnight_utc(month),
        TrainingSession.starts_at < local_midnight_utc(next_month)).order_by(TrainingSession.starts_at)).all()
    return render("training/index.html", "training/_body.html", page=page, weeks=_calendar(month, in_month),
                  month=month, previous_month=(month - timedelta(days=1)).replace(day=1), next_month=next_month,
                  today=china_today(), audiences=rules.AUDIENCES, audience=audience, region=region,
                  regions=_regions(), when=when, whens=WHEN)


def _visible(session_id) -> TrainingSession:
    """A published or cancelled session to anyone; a draft only to those who manage it."""
    ident = valid_id(session_id)
    session = db.session.scalars(
        select(TrainingSession).where(TrainingSession.id == ident)
        .where(or_(TrainingSession.public_clause(), scope_clause("training.manage", TrainingSession)))
        .options(*services.session_options())).first() if ident else None
    if session is None:
        abort(404)
    return session


def _managed(session_id) -> TrainingSession:
    return get_scoped_or_404("training.manage", TrainingSession, session_id, options=services.session_options())


def _manages(session: TrainingSession) -> bool:
    reach = region_reach("training.manage")
    return can("training.manage") and (reach is None or session.region_id in reach)


def _show(session: TrainingSession, status=200, **forms):
    mine = services.own_enrolment(session, current_user) if current_user.is_authenticated else None
    enrol_form = forms.get("enrol_form") or EnrolForm(formdata=None)
    own = access.own_audiences(current_user, session.audience_keys)
    enrol_form.audience.choices = [(key, rules.AUDIENCES[key]) for key in own]
    if not forms.get("enrol_form") and own:
        enrol_form.audience.data = mine.audience if mine and mine.audience in own else own[0]
    now = utcnow()
    return render_template(
        "training/show.html", session=session, mine=mine if mine and mine.status is EnrolmentStatus.ENROLLED else None,
        enrol_form=enrol_form, cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
        action_form=ActionForm(formdata=None), manages=_manages(session), own_audiences=own,
        started=as_utc(session.starts_at) <= now, ended=as_utc(session.ends_at) <= now,
        enrol_problem=rules.enrol_problem(session.status, as_utc(session.starts_at), now, session.enrolled,
                                          session.capacity, already=False)), status


@bp.route("/<int:session_id>")
def show(session_id):
    return _show(_visible(session_id))


@bp.route("/<int:session_id>/files/<int:file_id>")
def material(session_id, file_id):
    return publishing.download(services.UPLOAD_FEATURE, _visible(session_id).materials, file_id)


@bp.route("/<int:session_id>/enrol", methods=["POST"])
@login_required
def enrol(session_id):
    if not can("training.enrol"):
        abort(403)
    session = _visible(session_id)
    form = EnrolForm()
    own = access.own_audiences(current_user, session.audience_keys)
    form.audience.choices = [(key, rules.AUDIENCES[key]) for key in own]
    if form.validate_on_submit():
        try:
            services.enrol(session, current_user, form.audience.data, own)
            db.session.commit()
        except services.TrainingRefused as error:
            show_on_form(form, error, "audience")
        else:
            flash("报名成功。培训开始前可以取消报名。", "success")
            return redirect(url_for("training.show", session_id=session.id), 303)
    return _show(_visible(session_id), 422, enrol_form=form)


@bp.route("/<int:session_id>/unenrol", methods=["POST"])
@login_required
def unenrol(session_id):
    session = _visible(session_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.unenrol(session, current_user)
        db.session.commit()
    except services.TrainingRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("training.show", session_id=session.id), 303)
    flash("已取消报名，名额已释放。", "success")
    return redirect(url_for("training.show", session_id=session.id), 303)


# --- organising ----------------------------------------------------------------------------------------------------

@bp.route("/manage")
@permission_required("training.manage")
def manage():
    """The organiser's list: every session of their scope, drafts included, newest first."""
    status = request.args.get("status", "")
    stmt = scoped_select("training.manage", TrainingSession)
    if status in {s.value for s in Status}:
        stmt = stmt.where(TrainingSession.status == Status(status))
    else:
        status = ""
    stmt = stmt.options(selectinload(TrainingSession.region)).order_by(TrainingSession.starts_at.desc(),
                                                                       TrainingSession.id.desc())
    return render("training/manage.html", "training/_manage_results.html", page=paginate(stmt), status_filter=status,
                  statuses=rules.STATUS_LABELS)


def _form_choices(form: SessionForm) -> None:
    form.region_id.choices = [(str(r.id), r.name) for r in services.writable_regions(current_user)]


def _editor(form, session=None, status=200):
    return render_template("training/edit.html", form=form, session=session,
                           max_file_bytes=MATERIAL_MAX_BYTES), status


def _form_data(form: SessionForm) -> services.SessionData:
    return services.SessionData(
        title=form.title.data, region_id=valid_id(form.region_id.data), body_source=form.body_source.data or "",
        starts_at=china_to_utc(form.starts_at.data), ends_at=china_to_utc(form.ends_at.data),
        place=form.place.data or None, online_url=form.online_url.data or None, capacity=form.capacity.data,
        audiences=[key for key in rules.AUDIENCES if key in (form.audiences.data or [])])


def _saved(session: TrainingSession) -> tuple[str, str]:
    message = "已发布，公众可在培训日历中看到。" if session.status is Status.PUBLISHED else "草稿已保存。"
    return message, url_for("training.show", session_id=session.id)


EDITOR = publishing.Editor(
    feature=services.UPLOAD_FEATURE, kinds=services.MATERIAL_KINDS, max_bytes=MATERIAL_MAX_BYTES,
    refused=services.TrainingRefused, region_refused="您只能为本地区发布培训。", data=_form_data,
    save=services.save, page=_editor, reload=_managed, saved=_saved)


def _save(form: SessionForm, session: TrainingSession | None):
    _form_choices(form)
    return publishing.save_from_editor(EDITOR, form, session)


@bp.route("/new", methods=["GET", "POST"])
@uploads.limit(101 * uploads.MB)
@permission_required("training.manage")
def new():
    form = SessionForm()
    if request.method == "POST":
        return _save(form, None)
    _form_choices(form)
    if current_user.region_id:
        form.region_id.data = str(current_user.region_id)
    return _editor(form)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@uploads.limit(101 * uploads.MB)
@permission_required("training.manage")
def edit(session_id):
    session = _managed(session_id)
    if request.method == "POST":
        return _save(SessionForm(), session)
    form = SessionForm(formdata=None, obj=session)
    _form_choices(form)
    form.region_id.data = str(session.region_id)
    form.audiences.data = session.audience_keys
    form.starts_at.data = to_china(session.starts_at).replace(tzinfo=None)
    form.ends_at.data = to_china(session.ends_at).replace(tzinfo=None)
    form.version.data = str(session.version)
    return _editor(form, session)


@bp.route("/<int:session_id>/cancel", methods=["POST"])
@permission_required("training.manage")
def cancel(session_id):
    session = _managed(session_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            told = services.cancel_session(session, form.reason.data)
            db.session.commit()
        except services.TrainingRefused as error:
            show_on_form(form, error, "reason")
        else:
            flash(f"培训已取消，已通知 {told} 位报名人员。", "success")
            return redirect(url_for("training.show", session_id=session.id), 303)
    return _show(_managed(session_id), 422, cancel_form=form)


# --- the organiser's list of enrolments and attendance ----------------------------------------------------------

def _enrolments_select(session: TrainingSession):
    return (select(Enrolment).where(Enrolment.session_id == session.id,
                                    Enrolment.status == EnrolmentStatus.ENROLLED)
            .order_by(Enrolment.enrolled_at, Enrolment.id))


def _roster(session, status=200, person_form=None, problem=None):
    page = paginate(_enrolments_select(session))
    person_form = person_form or PersonForm(formdata=None)
    person_form.audience.choices = [(key, rules.AUDIENCES[key]) for key in session.audience_keys]
    return render("training/enrolments.html", "training/_roster.html", session=session, page=page,
                  person_form=person_form, action_form=ActionForm(formdata=None), problem=problem,
                  counts=services.attendance_counts(session),
                  attendance_problem=rules.attendance_problem(session.status, as_utc(session.starts_at), utcnow())
                  ), status


@bp.route("/<int:session_id>/enrolments")
@permission_required("training.manage")
def enrolments(session_id):
    return _roster(_managed(session_id))


@bp.route("/<int:session_id>/enrolments", methods=["POST"])
@permission_required("training.manage")
def add_person(session_id):
    session = _managed(session_id)
    form = PersonForm()
    form.audience.choices = [(key, rules.AUDIENCES[key]) for key in session.audience_keys]
    if form.validate_on_submit():
        try:
            services.add_person(session, form.name.data, form.organisation.data, form.audience.data, current_user)
            db.session.commit()
        except services.TrainingRefused as error:
            show_on_form(form, error, "name")
        else:
            flash(f"已登记 {form.name.data}。", "success")
            return redirect(url_for("training.enrolments", session_id=session.id), 303)
    return _roster(_managed(session_id), 422, person_form=form)


@bp.route("/<int:session_id>/enrolments/<int:enrolment_id>/remove", methods=["POST"])
@permission_required("training.manage")
def remove_person(session_id, enrolment_id):
    session = _managed(session_id)
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.id == valid_id(enrolment_id),
                                                           Enrolment.session_id == session.id)).first()
    if enrolment is None or not ActionForm().validate_on_submit():
        abort(404 if enrolment is None else 400)
    try:
        services.remove_person(session, enrolment)
        db.session.commit()
        flash(f"已取消 {enrolment.name} 的报名。", "success")
    except services.TrainingRefused as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("training.enrolments", session_id=session.id), 303)


def _count(text: str) -> int | None:
    text = (text or "").strip() or "0"
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


@bp.route("/<int:session_id>/attendance", methods=["POST"])
@permission_required("training.manage")
def attendance(session_id):
    session = _managed(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    listed_ids = {valid_id(v) for v in request.form.getlist("listed")} - {None}
    present = {valid_id(v) for v in request.form.getlist("present")} - {None}
    walk_ins, bad = {}, []
    for audience in session.audience_keys:
        value = _count(request.form.get(f"walk_in_{audience}", ""))
        if value is None:
            bad.append(rules.AUDIENCES[audience])
        else:
            walk_ins[audience] = value
    if bad:
        return _roster(session, 422, problem=f"未报名参训人数应为 0 到 999999 的整数（{'、'.join(bad)}）。")
    listed = db.session.scalars(select(Enrolment).where(Enrolment.session_id == session.id,
                                                        Enrolment.id.in_(listed_ids),
                                                        Enrolment.status == EnrolmentStatus.ENROLLED)).all()
    try:
        services.record_attendance(session, list(listed), present, walk_ins)
        db.session.commit()
    except services.TrainingRefused as error:
        db.session.rollback()
        return _roster(_managed(session_id), 422, problem=str(error))
    flash("出勤情况已保存。", "success")
    return redirect(url_for("training.enrolments", session_id=session.id, page=request.args.get("page")), 303)


EXPORT_HEADERS = ["序号", "姓名", "单位", "参训身份", "报名方式", "报名时间", "出勤"]


def _export_rows(session):
    rows = db.session.scalars(_enrolments_select(session)).all()
    return [[n, e.name, e.organisation or "", e.audience_label, "本人报名" if e.user_id else "组织者登记",
             to_china(e.enrolled_at).strftime("%Y-%m-%d %H:%M"),
             {True: "出勤", False: "缺勤", None: "未登记"}[e.attended]] for n, e in enumerate(rows, 1)]


@bp.route("/<int:session_id>/enrolments.xlsx")
@permission_required("training.manage")
def export_xlsx(session_id):
    session = _managed(session_id)
    workbook = workbook_with_table("参训名单", EXPORT_HEADERS, _export_rows(session), widths=[6, 14, 36, 18, 12, 18, 8])
    return xlsx_response(workbook, f"培训名单-{session.id}-{to_china(session.starts_at):%Y%m%d}.xlsx")


@bp.route("/<int:session_id>/enrolments.csv")
@permission_required("training.manage")
def export_csv(session_id):
    session = _managed(session_id)
    return csv_response(EXPORT_HEADERS, _export_rows(session), f"培训名单-{session.id}-{to_china(session.starts_at):%Y%m%d}.csv")


# --- the training record -----------------------------------------------------------------------------------------

@bp.route("/record")
@permission_required("training.record")
def record():
    """People trained per region and audience in a year, and per month for the province or one region."""
    year = int_arg("year", low=2000, high=2099) or china_today().year
    reach = region_reach("training.record")
    regions = [r for r in _regions() if reach is None or r.id in reach]
    chosen = valid_id(request.args.get("region"))
    chosen = chosen if chosen in {r.id for r in regions} else (regions[0].id if reach is not None and regions else None)
    table = services.training_record(year, reach)
    return render_template("training/record.html", table=table, year=year, regions=regions, chosen=chosen,
                           chosen_region=next((r for r in regions if r.id == chosen), None),
                           audiences=rules.AUDIENCES, province_wide=reach is None)
