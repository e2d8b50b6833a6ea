"""Inbound work (跨省副场): the guest center's staff register a request received from another province's main
venue; it then lives on the request page like any other (accept, reject, change, cancel)."""
from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...auth.permissions import permission_required
from ...errors import show_on_form
from ...extensions import db
from ...orgs.models import TradingCenter
from .. import bp
from ..forms import InboundForm
from ..services import inbound
from ..services.common import BookingError
from .common import specialty_choices


@bp.route("/inbound/new", methods=["GET", "POST"])
@permission_required("bookings.inbound")
def inbound_new():
    """Register another province's request to the own center; refused input keeps what was typed."""
    host = db.session.get(TradingCenter, current_user.center_id) if current_user.center_id else None
    if host is None or host.region_id is None:
        abort(403)
    form = InboundForm()
    partners = inbound.partner_centers()
    form.main_center_id.choices = [("", "请选择")] + [(c.id, f"{c.name}（{c.province.name}）") for c in partners]
    specialties = specialty_choices()
    form.specialty_ids.choices = specialties
    if request.method == "GET":
        form.start_time.data = form.start_time.data or time(9, 0)
        form.main_center_id.data = request.args.get("main", type=int)
    if request.method == "GET" or not form.validate_on_submit():
        return _page(form, host, 200 if request.method == "GET" else 422)
    data = {name: getattr(form, name).data for name in (
        "main_center_id", "partner_reference", "partner_contact", "project_name", "project_code", "tenderee",
        "agency", "section_name", "section_code", "category", "evaluation_date", "start_time", "duration_minutes",
        "committee_size", "seats", "notes")}
    data["budget_wan"] = form.budget
    data["specialty_ids"] = tuple(form.specialty_ids.data or ())
    try:
        done = inbound.register(host, data)
    except BookingError as error:
        show_on_form(form, error)
        return _page(form, host, 422)
    db.session.commit()
    flash(f"已登记客场机位申请 {done.request.number}（跨省副场），请在本页分配工位并确认或拒绝。", "success")
    for warning in done.warnings:
        flash(warning + "是否接受由本中心与合作方商定。", "warning")
    return redirect(url_for("bookings.show", request_id=done.request.id), 303)


def _page(form: InboundForm, host: TradingCenter, status: int):
    return render_template("bookings/inbound_new.html", form=form, host=host), status
