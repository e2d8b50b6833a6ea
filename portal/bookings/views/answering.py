"""Answering (受理) on the guest side: the answer page (accept with workstations, fully or partly) and reject."""
from flask import flash, redirect, render_template, request, url_for

from ...extensions import db
from .. import bp
from ..forms import AcceptForm, ReasonForm
from ..rules import Action, outcome_text
from ..services import answering, pool
from ..services.availability import clashes
from ..services.common import BookingConflict, BookingError
from .common import Loaded, act, load, with_request


@bp.route("/<int:request_id>/answer", methods=["GET", "POST"])
@with_request(Action.ACCEPT)
def answer(loaded: Loaded):
    """The guest side accepts by assigning workstations (free ones offered first), fully or partly."""
    req = loaded.req
    form = AcceptForm()
    offered = answering.offered_workstations(req)
    form.workstation_ids.choices = [(w.id, w.code) for w, _ in offered]
    if request.method == "GET":
        form.version.data = req.version
        form.workstation_ids.data = [w.id for w, free in offered if free][:req.seats_requested]
        return _answer_page(req, form, offered)
    if not form.validate_on_submit():
        return _answer_page(req, form, offered, 422)
    request_id = req.id   # the rollback below expires the loaded request
    try:
        answering.accept(req, form.shown_version, form.workstation_ids.data or [], form.reason.data or "",
                         loaded.side)
    except BookingError as error:
        db.session.rollback()
        return _refused(load(request_id, Action.ACCEPT), form, error)
    db.session.commit()
    flash(f"申请 {req.number} {outcome_text(req.status)}（分配 {req.seats_accepted} 个工位）。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)


def _refused(loaded: Loaded, form: AcceptForm, error: BookingError):
    """The answer page again, with the refusal next to the workstations and what was ticked (422)."""
    req = loaded.req
    message = str(error)
    if isinstance(error, BookingConflict):
        # Name the clash: the other request won the race, so its booking is now committed.
        found = clashes(form.workstation_ids.data or [], req.starts_at, req.ends_at, req.id)
        if found:
            message = "；".join(found) + "。请选择其他工位。"
    form.workstation_ids.errors.append(message)
    return _answer_page(req, form, answering.offered_workstations(req), 422)


def _answer_page(req, form: AcceptForm, offered, status: int = 200):
    return render_template("bookings/answer.html", req=req, section=req.section, form=form, offered=offered,
                           reason_form=ReasonForm(formdata=None), free=sum(1 for _, f in offered if f),
                           experts=pool.for_requests([req])[req.id]), status


@bp.route("/<int:request_id>/reject", methods=["POST"])
@with_request(Action.REJECT)
def reject(loaded: Loaded):
    """Reject with a reason (from the answer page or the request page)."""
    return act(loaded, lambda req, side, form: answering.reject(req, form.shown_version, form.reason.data or "",
                                                                side))
