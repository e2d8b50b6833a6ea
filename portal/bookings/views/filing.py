"""Filing (提出申请): the request form for one section to one or more guest centers, and the deadline line
(/bookings/deadline) that the form and the calendar page fetch."""
from datetime import date, time

from flask import flash, redirect, render_template, request, url_for

from ...auth.permissions import permission_required
from ...calendar.rules import parse_iso_date
from ...calendar.services import deadline_for
from ...errors import show_on_form
from ...extensions import db
from ...htmx import fragment
from ...projects.models import Section
from ...projects.rules import start_time_warning
from ...clock import china_today
from .. import bp
from ..forms import RequestForm
from ..rules import MAX_SEATS
from ..services import availability as seats
from ..services import deadlines as _deadlines  # noqa: F401  subscribes to calendar_changed
from ..services import filing
from ..services.common import BookingError
from .availability import search_args, search_context
from .common import load_section, specialty_choices


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


@bp.route("/new", methods=["GET", "POST"])
@permission_required("bookings.request")
def new():
    """File requests for a section: one per guest center asked, submitted or kept as drafts."""
    section = load_section(request.args.get("section"))
    form = RequestForm()
    if request.method == "GET":
        form.evaluation_date.data = section.evaluation_date
        form.start_time.data = section.start_time or time(9, 0)
    specialties = specialty_choices()
    candidates = seats.guest_centers(section)
    guest_choices = _guest_choices(section, candidates)
    for row in form.guests:
        row.center_id.choices = guest_choices
        row.specialty_ids.choices = specialties
    if request.method == "GET" or not form.validate_on_submit():
        return _new_page(section, form, specialties, candidates, 200 if request.method == "GET" else 422)
    submit = request.form.get("action") != "draft"
    asks = [filing.GuestAsk(row.center_id.data, row.seat_count, tuple(row.specialty_ids.data or ()))
            for row in form.asked()]
    data = {"evaluation_date": form.evaluation_date.data, "start_time": form.start_time.data,
            "duration_minutes": form.duration_minutes.data, "committee_size": form.committee_size.data,
            "notes": form.notes.data}
    try:
        created = filing.file_requests(section, data, asks, submit=submit)
    except BookingError as error:
        if error.field == "guests":
            error.field = None    # about the rows as a whole: shown above the form
        show_on_form(form, error)
        return _new_page(section, form, specialties, candidates, 422)
    db.session.commit()
    numbers = "、".join(r.number for r in created)
    flash(f"客场机位申请 {numbers} 已{'提交，等待客场确认' if submit else '保存为草稿'}。", "success")
    target = (url_for("bookings.show", request_id=created[0].id) if len(created) == 1
              else url_for("projects.section", section_id=section.id) + "#seat-requests")
    return redirect(target, 303)


def _guest_choices(section: Section, centers) -> list[tuple]:
    """The guest centers as choices, those of another province marked (跨省)."""
    main_province_id = section.main_center.province_id
    return [("", "请选择")] + [(c.id, f"{c.name}{'（跨省）' if c.province_id != main_province_id else ''}")
                             for c in centers]


def _new_page(section: Section, form: RequestForm, specialties, candidates, status: int):
    """The filing page with the availability search for what the form asks (a refused form: its first row)."""
    # A date that was read (even one refused, e.g. too late to file for) still has its deadline to show.
    day = form.evaluation_date.data if isinstance(form.evaluation_date.data, date) else None
    params = search_args(section)
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
                           **search_context(section, params, candidates)), status
