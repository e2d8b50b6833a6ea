"""One request and its life cycle: the request page (its status line polls itself), submit, withdraw, cancel,
complete, and the edit form (an accepted request's timing changes by a change request instead, see changes.py)."""
from flask import flash, redirect, render_template, request, url_for

from ...calendar.services import deadline_for
from ...errors import show_on_form
from ...extensions import db
from ...htmx import fragment, wants_fragment
from ...clock import china_now, china_today
from .. import bp
from ..forms import EditForm
from ..rules import HOLDING_STATUSES, Action
from ..services import lifecycle
from ..services.common import BookingError
from .common import Loaded, act, load, request_page, specialty_choices, with_request

EDIT_FIELDS = ("evaluation_date", "start_time", "duration_minutes", "committee_size", "seats_requested", "notes",
               "change_reason")


@bp.route("/<int:request_id>")
@with_request()
def show(loaded: Loaded):
    """The request page; for htmx, its status line (polled while the other side has to act)."""
    req = loaded.req
    if wants_fragment():
        response = fragment("bookings/_status.html", req=req)
        if request.args.get("v", type=int) not in (None, req.version):
            response.headers["HX-Refresh"] = "true"   # changed since the page was drawn: redraw the whole page
        return response
    return request_page(loaded)


@bp.route("/<int:request_id>/submit", methods=["POST"])
@with_request(Action.SUBMIT)
def submit(loaded: Loaded):
    """Submit a draft to its guest center."""
    return act(loaded, lambda req, side, form: lifecycle.submit(req, form.shown_version))


@bp.route("/<int:request_id>/withdraw", methods=["POST"])
@with_request(Action.WITHDRAW)
def withdraw(loaded: Loaded):
    """Withdraw a draft or a request not yet answered."""
    return act(loaded, lambda req, side, form: lifecycle.withdraw(req, form.shown_version, form.reason.data))


@bp.route("/<int:request_id>/cancel", methods=["POST"])
@with_request(Action.CANCEL)
def cancel(loaded: Loaded):
    """Cancel an accepted booking with a reason (either side)."""
    return act(loaded, lambda req, side, form: lifecycle.cancel(req, form.shown_version, form.reason.data or "",
                                                                side))


@bp.route("/<int:request_id>/complete", methods=["POST"])
@with_request(Action.COMPLETE)
def complete(loaded: Loaded):
    """Mark an accepted booking completed, from the evaluation day on (either side)."""
    return act(loaded, lambda req, side, form: lifecycle.complete(req, form.shown_version, side))


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@with_request(Action.EDIT)
def edit(loaded: Loaded):
    """Change the request's timing, seats, specialties or notes (the main side)."""
    req = loaded.req
    if Action.EDIT not in loaded.actions:
        flash(f"申请当前为“{req.status.label}”，不能修改。", "error")
        return redirect(url_for("bookings.show", request_id=req.id), 303)
    # The stored values fill the form only on GET: a POST is what the person sent, nothing else.
    form = EditForm(obj=req) if request.method == "GET" else EditForm()
    form.specialty_ids.choices = specialty_choices()
    if request.method == "GET":
        form.specialty_ids.data = [link.specialty_id for link in req.specialty_links]
        form.version.data = req.version
        return _edit_page(req, form)
    if not form.validate_on_submit():
        return _edit_page(req, form, 422)
    request_id = req.id   # the refusal's rollback expires the loaded request
    try:
        lifecycle.edit(req, form.shown_version, {name: getattr(form, name).data for name in EDIT_FIELDS},
                       tuple(form.specialty_ids.data or ()))
    except BookingError as error:
        if error.field == "guests":
            error.field = "seats_requested"
        show_on_form(form, error)
        return _edit_page(load(request_id, Action.EDIT).req, form, 422)
    db.session.commit()
    flash("申请已修改。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)


def _edit_page(req, form: EditForm, status: int = 200):
    day = form.evaluation_date.data if not form.evaluation_date.errors else None
    return render_template("bookings/edit.html", form=form, req=req, section=req.section,
                           deadline=deadline_for(day) if day else None, today=china_today()), status


@bp.route("/<int:request_id>/confirmation")
@with_request()
def confirmation(loaded: Loaded):
    """The guest venue's seat confirmation (客场确认函) to print, sign and stamp: what was accepted, on which
    workstations, at which fee standards. Before the guest center accepts, the page says so instead."""
    req = loaded.req
    return render_template("bookings/confirmation.html", req=req, section=req.section, project=req.section.project,
                           accepted=req.status in HOLDING_STATUSES, bookings=lifecycle.bookings_of(req),
                           printed_at=china_now())
