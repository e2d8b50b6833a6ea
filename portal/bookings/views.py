"""Guest-seat requests (客场机位申请): filing, availability, inbox, answering, life cycle, calendars, feeds.

Thin views: load in scope or 404, check the role or 403, call the service, commit once, render or 303.
"""
from datetime import date, time, timedelta

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload

from ..auth.permissions import (
    can,
    get_scoped_or_404,
    permission_required,
    scope_clause,
    scoped_select,
)
from ..errors import show_on_form
from ..forms_base import VersionForm, version_number
from ..experts.models import Specialty
from ..experts.services import specialty_tree
from ..extensions import db
from ..htmx import fragment, render, wants_fragment
from ..listing import paginate, sort_choice
from ..orgs.models import TradingCenter
from ..projects.models import Section
from ..projects.rules import start_time_warning
from ..models_base import valid_id
from ..templating import china_today, to_china
from ..calendar.rules import parse_iso_date
from ..calendar.services import deadline_for
from . import bp, models, services  # noqa: F401  (the models register with the metadata)
from .forms import AcceptForm, EditForm, FeedForm, FeesForm, ReasonForm, RequestForm
from .models import CalendarFeed, SeatRequest
from .rules import (
    DEFAULT_DURATION,
    DURATION_CHOICES,
    MAX_SEATS,
    Action,
    Side,
    Status,
    allowed_actions,
)


@bp.route("/deadline")
@permission_required("calendar.view")
def deadline():
    """An HTML fragment: the latest filing date for an evaluation on ?date=YYYY-MM-DD."""
    text = (request.args.get("date") or request.args.get("evaluation_date") or "").strip()
    evaluation_date = parse_iso_date(text)
    if evaluation_date is None:
        message = ("请填写评标日期（格式：YYYY-MM-DD，如 2026-12-03）。" if not text
                   else f"“{text[:20]}”不是有效的评标日期，请按 YYYY-MM-DD 填写 2000—2099 年间的日期。")
        return fragment("bookings/_deadline.html", status=400, deadline=None, message=message)
    return fragment("bookings/_deadline.html", deadline=deadline_for(evaluation_date), today=china_today(),
                    message=None)


# --- lists --------------------------------------------------------------------------------------------------

STATUS_FILTERS = {
    "": ("全部", None),
    "open": ("进行中", (Status.DRAFT, Status.SUBMITTED, Status.ACCEPTED, Status.PARTLY_ACCEPTED)),
    **{s.value: (s.label, (s,)) for s in Status},
}


def _list(box: str):
    """The requests list (box "all") and the guest inbox (box "inbox") share filters, sorting and polling."""
    action = "bookings.answer" if box == "inbox" else "bookings.view"
    default_status = "submitted" if box == "inbox" else "open"
    filters = {"status": request.args.get("status", default_status),
               "q": request.args.get("q", "").strip()[:60],
               "start": parse_iso_date(request.args.get("start")),
               "end": parse_iso_date(request.args.get("end"))}
    if filters["status"] not in STATUS_FILTERS:
        filters["status"] = default_status
    stmt = (select(SeatRequest).where(scope_clause(action, SeatRequest))
            .join(Section, SeatRequest.section_id == Section.id)
            .options(joinedload(SeatRequest.section), joinedload(SeatRequest.main_center),
                     joinedload(SeatRequest.guest_center)))
    statuses = STATUS_FILTERS[filters["status"]][1]
    if statuses:
        stmt = stmt.where(SeatRequest.status.in_(statuses))
    if filters["q"]:
        like = f"%{filters['q']}%"
        stmt = stmt.where(or_(Section.name.ilike(like), Section.code.ilike(like)))
    if filters["start"]:
        stmt = stmt.where(SeatRequest.evaluation_date >= filters["start"])
    if filters["end"]:
        stmt = stmt.where(SeatRequest.evaluation_date <= filters["end"])
    # New (waiting for an answer) first, then the evaluations that come soonest.
    waiting_first = case((SeatRequest.status == Status.SUBMITTED, 0), else_=1)
    sort, desc, column = sort_choice({"date": SeatRequest.evaluation_date, "filed": SeatRequest.submitted_at,
                                      "updated": SeatRequest.updated_at}, "date")
    order = [column, SeatRequest.start_time, SeatRequest.id]
    if box == "inbox" and sort == "date" and not desc:
        order.insert(0, waiting_first)
    page = paginate(stmt.order_by(*order))
    today = china_today()
    return render("bookings/index.html", "bookings/_requests.html", page=page, filters=filters, box=box,
                  status_filters=STATUS_FILTERS, sort=sort, desc=desc, today=today, soon=today + timedelta(days=3))


@bp.route("/")
@permission_required("bookings.view")
def index():
    return _list("all")


@bp.route("/inbox")
@permission_required("bookings.answer")
def inbox():
    return _list("inbox")


# --- filing -------------------------------------------------------------------------------------------------

def _specialty_choices():
    return [(s.id, f"{s.code} {s.name}") for s in specialty_tree(active_only=True)]


def _guest_choices(section: Section, centers):
    main = db.session.get(TradingCenter, section.main_center_id)
    choices = [("", "请选择")]
    for c in centers:
        mark = "（跨省）" if c.province_id != main.province_id else ""
        choices.append((c.id, f"{c.name}{mark}"))
    return choices


def _availability_args(section: Section | None):
    """The search's inputs from the query string (the availability page or the filing form's fields)."""
    args = request.args
    day = parse_iso_date(args.get("evaluation_date")) or (section.evaluation_date if section else None)
    try:
        start = time.fromisoformat(args.get("start_time", "")[:5])
    except ValueError:
        start = (section.start_time if section else None) or time(9, 0)
    minutes = args.get("duration_minutes", type=int)
    if minutes not in dict(DURATION_CHOICES):
        minutes = DEFAULT_DURATION
    seats_text = args.get("seats") or args.get("guests-0-seats") or "1"
    seats = int(seats_text) if seats_text.isascii() and seats_text.isdigit() and len(seats_text) <= 3 else 1
    seats = min(max(seats, 1), MAX_SEATS)
    wanted = args.getlist("specialty_ids") or args.getlist("guests-0-specialty_ids")
    ids = [i for i in (valid_id(w) for w in wanted) if i is not None][:5]
    scope = args.get("scope", "")
    return {"evaluation_date": day, "start_time": start, "duration_minutes": minutes, "seats": seats,
            "specialty_ids": ids, "scope": scope if scope in ("", "in", "cross") else ""}


def _availability_context(section: Section, params: dict, candidates=None) -> dict:
    if params["evaluation_date"] is None:
        return {"options": None, "params": params, "specialties": []}
    specialties = list(db.session.scalars(select(Specialty).where(Specialty.id.in_(params["specialty_ids"]))
                                          .order_by(Specialty.code))) if params["specialty_ids"] else []
    options = services.availability(section, params["evaluation_date"], params["start_time"],
                                    params["duration_minutes"], params["seats"], [s.code for s in specialties],
                                    params["scope"], candidates)
    return {"options": options, "params": params, "specialties": specialties}


def _load_section_for_request(section_id):
    return get_scoped_or_404("bookings.request", Section, section_id,
                             options=(joinedload(Section.project), joinedload(Section.main_center)))


@bp.route("/availability")
@permission_required("bookings.request")
def availability():
    """Which centers have enough free workstations and experts for the evaluation, best fit first."""
    section = _load_section_for_request(request.args.get("section"))
    context = _availability_context(section, _availability_args(section))
    return render("bookings/availability.html", "bookings/_availability.html", section=section,
                  specialty_choices=_specialty_choices(), **context)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("bookings.request")
def new():
    section = _load_section_for_request(request.args.get("section"))
    form = RequestForm()
    if request.method == "GET":
        form.evaluation_date.data = section.evaluation_date
        form.start_time.data = section.start_time or time(9, 0)
    specialties = _specialty_choices()
    candidates = services.guest_centers(section)
    guest_choices = _guest_choices(section, candidates)
    for row in form.guests:
        row.center_id.choices = guest_choices
        row.specialty_ids.choices = specialties
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            submit = request.form.get("action") != "draft"
            asks = [services.GuestAsk(row.center_id.data, row.seat_count, tuple(row.specialty_ids.data or ()))
                    for row in form.asked()]
            data = {"evaluation_date": form.evaluation_date.data, "start_time": form.start_time.data,
                    "duration_minutes": form.duration_minutes.data, "committee_size": form.committee_size.data,
                    "notes": form.notes.data}
            try:
                created = services.file_requests(section, data, asks, submit=submit)
            except services.BookingError as error:
                if error.field == "guests":
                    error.field = None    # about the rows as a whole: shown above the form
                show_on_form(form, error)
            else:
                db.session.commit()
                numbers = "、".join(r.number for r in created)
                flash(f"客场机位申请 {numbers} 已{'提交，等待客场确认' if submit else '保存为草稿'}。", "success")
                target = (url_for("bookings.show", request_id=created[0].id) if len(created) == 1
                          else url_for("projects.section", section_id=section.id) + "#seat-requests")
                return redirect(target, 303)
        status = 422
    day = form.evaluation_date.data if not form.evaluation_date.errors else None
    params = _availability_args(section)
    if day:
        params["evaluation_date"] = day
    if form.start_time.data:
        params["start_time"] = form.start_time.data
    asked = form.asked() if request.method == "POST" else []
    if asked:   # a refused form: search for what its first guest row asked
        params["seats"] = min(max(asked[0].seat_count or 1, 1), MAX_SEATS)
        params["specialty_ids"] = list(asked[0].specialty_ids.data or [])[:5]
    return render_template("bookings/new.html", form=form, section=section, project=section.project,
                           deadline=deadline_for(day) if day else None, today=china_today(),
                           time_warning=start_time_warning(form.start_time.data),
                           specialty_choices=specialties,
                           **_availability_context(section, params, candidates)), status


# --- one request --------------------------------------------------------------------------------------------

def _load(action: str, request_id, extra_options=()):
    return get_scoped_or_404(action, SeatRequest, request_id, options=(*services.request_options(), *extra_options))


def _sides(req: SeatRequest) -> set[Side]:
    return services.side_of(current_user, req, req.section.project.owner_id)


def _version() -> int | None:
    return version_number(request.form.get("version"))


def _page(req: SeatRequest, status: int = 200, **forms):
    sides = _sides(req)
    actions = {a for side in sides for a in allowed_actions(req.status, side)}
    context = dict(req=req, section=req.section, project=req.section.project, sides=sides, actions=actions,
                   Action=Action, Side=Side, bookings=services.bookings_of(req, active_only=False),
                   timeline=services.timeline(req), today=china_today(),
                   reason_form=forms.get("reason_form") or ReasonForm(formdata=None),
                   action_form=VersionForm(formdata=None), failed=forms.get("failed"))
    return render("bookings/show.html", "bookings/_status.html", status=status, **context)


@bp.route("/<int:request_id>")
@permission_required("bookings.view")
def show(request_id):
    req = _load("bookings.view", request_id)
    if wants_fragment():
        # The status line polls itself; a request changed since the page was drawn redraws the page.
        if request.args.get("v", type=int) not in (None, req.version):
            response = make_response("", 200)
            response.headers["HX-Refresh"] = "true"
            return response
        return render("bookings/show.html", "bookings/_status.html", req=req)
    return _page(req)


def _act(request_id, permission: str, action_name: str, run, *, needs: Action):
    """Run a life-cycle action posted from the request page; a refusal is shown on the page."""
    req = _load(permission, request_id)
    sides = _sides(req)
    side = next((s for s in (Side.MAIN, Side.GUEST) if s in sides
                 and needs in allowed_actions(req.status, s)), None)
    if side is None:
        side = Side.MAIN if Side.MAIN in sides else (Side.GUEST if sides else None)
    if side is None:
        abort(403)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _page(req, 422, reason_form=form, failed=action_name)
    try:
        run(req, side, form)
    except services.BookingError as error:
        db.session.rollback()
        req = _load("bookings.view", request_id)
        form.reason.errors.append(str(error))
        return _page(req, 422, reason_form=form, failed=action_name)
    db.session.commit()
    flash(f"申请 {req.number} 已{req.status.label}。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)


@bp.route("/<int:request_id>/submit", methods=["POST"])
@permission_required("bookings.request")
def submit(request_id):
    return _act(request_id, "bookings.request", "submit", lambda req, side, form: services.submit(req, _version()),
                needs=Action.SUBMIT)


@bp.route("/<int:request_id>/withdraw", methods=["POST"])
@permission_required("bookings.request")
def withdraw(request_id):
    return _act(request_id, "bookings.request", "withdraw", lambda req, side, form: services.withdraw(req, _version(), form.reason.data),
                needs=Action.WITHDRAW)


@bp.route("/<int:request_id>/reject", methods=["POST"])
@permission_required("bookings.answer")
def reject(request_id):
    return _act(request_id, "bookings.answer", "reject",
                lambda req, side, form: services.reject(req, _version(), form.reason.data or "", side),
                needs=Action.REJECT)


@bp.route("/<int:request_id>/cancel", methods=["POST"])
@permission_required("bookings.act")
def cancel(request_id):
    return _act(request_id, "bookings.act", "cancel",
                lambda req, side, form: services.cancel(req, _version(), form.reason.data or "", side),
                needs=Action.CANCEL)


@bp.route("/<int:request_id>/complete", methods=["POST"])
@permission_required("bookings.act")
def complete(request_id):
    return _act(request_id, "bookings.act", "complete", lambda req, side, form: services.complete(req, _version(), side),
                needs=Action.COMPLETE)


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@permission_required("bookings.request")
def edit(request_id):
    req = _load("bookings.request", request_id)
    if Action.EDIT not in allowed_actions(req.status, Side.MAIN):
        flash(f"申请当前为“{req.status.label}”，不能修改。", "error")
        return redirect(url_for("bookings.show", request_id=req.id), 303)
    # The stored values fill the form only on GET: a POST is what the person sent, nothing else.
    form = EditForm(obj=req) if request.method == "GET" else EditForm()
    form.specialty_ids.choices = _specialty_choices()
    if request.method == "GET":
        form.specialty_ids.data = [link.specialty_id for link in req.specialty_links]
        form.version.data = req.version
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            data = {name: getattr(form, name).data for name in (
                "evaluation_date", "start_time", "duration_minutes", "committee_size", "seats_requested",
                "notes", "change_reason")}
            try:
                back = services.edit(req, version_number(request.form.get("version")), data,
                                     tuple(form.specialty_ids.data or ()))
            except services.BookingError as error:
                if error.field == "guests":
                    error.field = "seats_requested"
                show_on_form(form, error)
                req = _load("bookings.request", request_id)
            else:
                db.session.commit()
                flash("申请已修改，已退回客场重新确认。" if back else "申请已修改。", "success")
                return redirect(url_for("bookings.show", request_id=req.id), 303)
        status = 422
    day = form.evaluation_date.data if not form.evaluation_date.errors else None
    return render_template("bookings/edit.html", form=form, req=req, section=req.section,
                           deadline=deadline_for(day) if day else None, today=china_today()), status


def _load_for_answer(request_id):
    return _load("bookings.answer", request_id)


@bp.route("/<int:request_id>/answer", methods=["GET", "POST"])
@permission_required("bookings.answer")
def answer(request_id):
    """The guest side accepts by assigning workstations (free ones offered first), fully or partly."""
    req = _load_for_answer(request_id)
    form = AcceptForm()
    offered = services.offered_workstations(req)
    form.workstation_ids.choices = [(w.id, w.code) for w, _ in offered]
    if request.method == "GET":
        form.version.data = req.version
        form.workstation_ids.data = [w.id for w, free in offered if free][:req.seats_requested]
        return _answer_page(req, form, offered)
    if form.validate_on_submit():
        try:
            services.accept(req, version_number(form.version.data), form.workstation_ids.data or [],
                            form.reason.data or "")
        except services.BookingError as error:
            db.session.rollback()
            req = _load_for_answer(request_id)
            message = str(error)
            if isinstance(error, services.BookingConflict):
                # Name the clash: the other request won the race, so its booking is now committed.
                found = services.clashes(form.workstation_ids.data or [], req.starts_at, req.ends_at, req.id)
                if found:
                    message = "；".join(found) + "。请选择其他工位。"
            offered = services.offered_workstations(req)
            form.workstation_ids.errors.append(message)
            return _answer_page(req, form, offered, 422)
        db.session.commit()
        flash(f"申请 {req.number} 已{req.status.label}（分配 {req.seats_accepted} 个工位）。", "success")
        return redirect(url_for("bookings.show", request_id=req.id), 303)
    return _answer_page(req, form, offered, 422)


def _answer_page(req, form, offered, status=200):
    return render_template("bookings/answer.html", req=req, section=req.section, form=form, offered=offered,
                           reason_form=ReasonForm(formdata=None), free=sum(1 for _, f in offered if f)), status


# --- fees ---------------------------------------------------------------------------------------------------

@bp.route("/fees")
@permission_required("bookings.fees")
def fees_home():
    if current_user.center_id:
        return redirect(url_for("bookings.fees", center_id=current_user.center_id))
    return redirect(url_for("orgs.index"))


@bp.route("/fees/<int:center_id>", methods=["GET", "POST"])
@permission_required("bookings.fees")
def fees(center_id):
    center = get_scoped_or_404("bookings.fees", TradingCenter, center_id)
    form = FeesForm(obj=center)
    if request.method == "GET":
        for name in ("meal_fee_yuan", "expert_fee_base_yuan", "expert_fee_extra_hour_yuan", "expert_fee_cap_yuan"):
            value = getattr(center, name)
            getattr(form, name).data = "" if value is None else f"{value:.2f}"
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            services.save_fees(center, form.amounts, form.expert_fee_base_hours.data, form.expert_fee_note.data)
            db.session.commit()
            flash(f"{center.name}的收费标准已更新，主场申请客场机位时可见。", "success")
            return redirect(url_for("bookings.fees", center_id=center.id), 303)
        status = 422
    return render_template("bookings/fees.html", form=form, center=center), status


# --- calendars and feeds ------------------------------------------------------------------------------------

@bp.route("/calendar")
@permission_required("bookings.calendar")
def calendar():
    """A center's booked workstations for one day or one week (Monday to Sunday)."""
    centers = list(db.session.scalars(scoped_select("bookings.calendar", TradingCenter)
                                      .where(TradingCenter.region_id.is_not(None))
                                      .order_by(TradingCenter.region_id, TradingCenter.level_rank(),
                                                TradingCenter.name)))
    center_id = request.args.get("center", type=int) or current_user.center_id
    center = next((c for c in centers if c.id == center_id), None) if center_id else (centers or [None])[0]
    if center is None:
        abort(404)
    view = "day" if request.args.get("view") == "day" else "week"
    day = parse_iso_date(request.args.get("date")) or china_today()
    first = day if view == "day" else day - timedelta(days=day.weekday())
    days = 1 if view == "day" else 7
    rows = services.center_bookings(center.id, first, days)
    by_day: dict[date, list] = {first + timedelta(days=i): [] for i in range(days)}
    for booking, workstation, req in rows:
        by_day.setdefault(to_china(booking.starts_at).date(), []).append((booking, workstation, req))
    step = timedelta(days=days)
    return render("bookings/calendar.html", "bookings/_calendar.html", center=center, centers=centers, view=view,
                  day=day, first=first, last=first + step - timedelta(days=1), by_day=by_day, prev=first - step,
                  next=first + step,
                  feeds_allowed=can("bookings.feeds") and current_user.center_id == center.id)


@bp.route("/feeds", methods=["GET", "POST"])
@permission_required("bookings.feeds")
def feeds():
    """The staff's private calendar links for their center: create (shown once) and revoke."""
    center = get_scoped_or_404("bookings.feeds", TradingCenter, current_user.center_id)
    form = FeedForm()
    new_url = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            token = services.create_feed(center, form.label.data)
            db.session.commit()
            new_url = url_for("bookings.feed", token=token, _external=True)
            form = FeedForm(formdata=None)
        else:
            status = 422
    items = list(db.session.scalars(select(CalendarFeed).where(CalendarFeed.center_id == center.id)
                                    .options(joinedload(CalendarFeed.created_by))
                                    .order_by(CalendarFeed.revoked_at.is_not(None), CalendarFeed.id.desc())))
    return render_template("bookings/feeds.html", center=center, form=form, feeds=items, new_url=new_url), status


@bp.route("/feeds/<int:feed_id>/revoke", methods=["POST"])
@permission_required("bookings.feeds")
def feed_revoke(feed_id):
    feed = get_scoped_or_404("bookings.feeds", CalendarFeed, feed_id)
    center = db.session.get(TradingCenter, feed.center_id)
    try:
        services.revoke_feed(feed, center)
    except services.BookingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("订阅链接已撤销，使用该链接的日历程序将不再收到更新。", "success")
    return redirect(url_for("bookings.feeds"), 303)


@bp.route("/feed/<token>.ics")
def feed(token):
    """The iCalendar feed behind a private link (no login: calendar programs cannot log in)."""
    subscription = services.feed_for_token(token)
    if subscription is None:
        abort(404)
    items = services.feed_requests(subscription.center_id, china_today())
    body = services.ics_calendar(subscription.center, items, request.host.split(":")[0] or "portal")
    services.touch_feed(subscription)
    db.session.commit()
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="center-{subscription.center_id}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.app_context_processor
def _seat_request_helpers():
    return {"seat_statuses": Status}

