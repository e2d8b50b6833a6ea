"""Change requests (场地变更) of an accepted booking: the main side's form, the guest side's answer page
(accept with workstations for the new time, or reject), and withdrawing an open change."""
from flask import flash, redirect, render_template, request, url_for

from ...errors import show_on_form
from ...extensions import db
from .. import bp
from ..forms import AnswerChangeForm, ChangeForm
from ..rules import HOLDING_STATUSES, Action
from ..services import answering, changes
from ..services.common import BookingError
from .common import Loaded, load, with_request

CHANGE_FIELDS = ("evaluation_date", "start_time", "duration_minutes", "seats_requested", "reason")


@bp.route("/<int:request_id>/change", methods=["GET", "POST"])
@with_request(Action.EDIT)
def change(loaded: Loaded):
    """The main side asks to move or resize an accepted booking; the booking stays until the guest accepts."""
    req = loaded.req
    form = ChangeForm() if request.method == "POST" else ChangeForm(obj=req, formdata=None)
    if request.method == "GET":
        form.version.data = req.version
        return _change_page(req, form)
    if not form.validate_on_submit():
        return _change_page(req, form, 422)
    request_id = req.id
    try:
        filed = changes.request_change(req, form.shown_version,
                                       {name: getattr(form, name).data for name in CHANGE_FIELDS})
    except BookingError as error:
        if error.field == "guests":
            error.field = "seats_requested"
        elif error.field is not None and not hasattr(form, error.field):
            error.field = "evaluation_date"
        show_on_form(form, error, "evaluation_date")
        return _change_page(load(request_id, Action.EDIT).req, form, 422)
    db.session.commit()
    flash(f"已提出场地变更 {filed.number}，待客场确认；确认前原预订保持有效。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)


def _change_page(req, form: ChangeForm, status: int = 200):
    return render_template("bookings/change.html", req=req, section=req.section, form=form,
                           open_change=changes.pending(req), can_change=req.status in HOLDING_STATUSES), status


@bp.route("/<int:request_id>/change/answer", methods=["GET", "POST"])
@with_request(Action.ACCEPT)
def change_answer(loaded: Loaded):
    """The guest side accepts a change with workstations for the new time (or rejects it, see below)."""
    req = loaded.req
    open_change = changes.pending(req)
    form = AnswerChangeForm()
    if request.method == "GET" or open_change is None:
        form = AnswerChangeForm(formdata=None)
        form.version.data = req.version
        if open_change is not None:
            form.change_id.data = open_change.id
            offered = answering.offered_workstations(req, open_change.starts_at, open_change.ends_at)
            form.workstation_ids.data = [w.id for w, free in offered if free][:open_change.seats_requested]
        return _answer_page(req, open_change, form)
    if not form.validate_on_submit():
        return _answer_page(req, open_change, form, 422)
    request_id = req.id
    try:
        done = changes.accept_change(req, form.shown_version, form.shown_change, form.workstation_ids.data or [],
                                     bool(form.agreed_late.data), form.note.data or "")
    except BookingError as error:
        show_on_form(form, error, "workstation_ids")
        loaded = load(request_id, Action.ACCEPT)
        return _answer_page(loaded.req, changes.pending(loaded.req), form, 422)
    db.session.commit()
    flash(f"已接受场地变更 {done.number}：现为 {changes.new_text(done)}。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)


@bp.route("/<int:request_id>/change/reject", methods=["POST"])
@with_request(Action.REJECT)
def change_reject(loaded: Loaded):
    """The guest side rejects a change with a reason; the booking stays as it was."""
    req = loaded.req
    form = AnswerChangeForm()
    request_id = req.id
    try:
        if not form.validate_on_submit():
            raise BookingError("请检查填写的内容。", field="reason")
        done = changes.reject_change(req, form.shown_version, form.shown_change, form.reason.data or "")
    except BookingError as error:
        show_on_form(form, error, "reason")
        loaded = load(request_id, Action.REJECT)
        return _answer_page(loaded.req, changes.pending(loaded.req), form, 422)
    db.session.commit()
    flash(f"已拒绝场地变更 {done.number}，原预订不变。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)


@bp.route("/<int:request_id>/change/withdraw", methods=["POST"])
@with_request(Action.EDIT)
def change_withdraw(loaded: Loaded):
    """The main side withdraws its open change; the booking stays as it was."""
    req = loaded.req
    form = AnswerChangeForm()
    try:
        if not form.validate_on_submit():
            raise BookingError("请检查填写的内容。")
        done = changes.withdraw_change(req, form.shown_version, form.shown_change)
    except BookingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("bookings.show", request_id=req.id), 303)
    db.session.commit()
    flash(f"已撤回场地变更 {done.number}，原预订不变。", "success")
    return redirect(url_for("bookings.show", request_id=req.id), 303)


def _answer_page(req, open_change, form: AnswerChangeForm, status: int = 200):
    offered = (answering.offered_workstations(req, open_change.starts_at, open_change.ends_at)
               if open_change is not None else [])
    return render_template("bookings/change_answer.html", req=req, section=req.section, change=open_change,
                           form=form, offered=offered, old_text=changes.old_text(open_change) if open_change else "",
                           new_text=changes.new_text(open_change) if open_change else "",
                           free=sum(1 for _, f in offered if f)), status
